"""Venues: create, edit and merge, without rewriting history.

The approach: **an edit of a venue that past events used creates a new venue.** The old
row keeps the address those past events had and points at its successor
(``replaced_by``); the events that have not ended yet move to the new row. A venue that
no past event used is simply edited in place. An edit says beforehand how many events
it changes and how many keep the old address (:func:`venue_edit_impact`).

A merge (two rows for the same place) moves the upcoming events of the duplicate to
the venue kept; the duplicate's past events keep their row, which points at the kept
venue; a duplicate without past events is deleted.

Changing venues takes ``events.change_venue`` (the organiser role).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.permissions import Actor, permission_require
from events.models import Event, Venue
from events.rules import venue_can_add, venue_can_edit

VENUE_FIELDS = ("name", "address", "latitude", "longitude", "directions", "map_url")


def venue_edit_require(*, actor: Actor | None) -> None:
    """Refuse unless ``actor`` may change venues (:func:`events.rules.venue_can_edit`)."""
    permission_require(allowed=venue_can_edit(user=actor),
                       message=_("Only organisers may change venues."))


def venue_current(*, venue: Venue) -> Venue:
    """The newest version of a venue (following ``replaced_by``, as stored now)."""
    venue = Venue.objects.get(pk=venue.pk)
    seen = {venue.pk}
    while venue.replaced_by_id is not None and venue.replaced_by_id not in seen:
        seen.add(venue.replaced_by_id)
        venue = venue.replaced_by
    return venue


@dataclass(frozen=True)
class VenueImpact:
    """What an edit of a venue changes: the events that move with it, and the past
    events that keep the old address."""

    upcoming: int
    past: int

    @property
    def creates_version(self) -> bool:
        return self.past > 0


def venue_edit_impact(*, venue: Venue) -> VenueImpact:
    now = timezone.now()
    events = Event.objects.filter(venue=venue)
    return VenueImpact(upcoming=events.filter(ends_at__gte=now).count(),
                       past=events.filter(ends_at__lt=now).count())


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(VENUE_FIELDS)
    if unknown:
        raise TypeError(f"unknown venue fields: {', '.join(sorted(unknown))}")
    cleaned = dict(fields)
    for name in ("name", "address", "directions", "map_url"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if not cleaned.get("name", "x"):
        raise ValidationError({"name": _("A venue needs a name.")})
    return cleaned


def venue_create(*, actor: Actor | None = None, name: str, address: str = "",
                 latitude: Decimal | None = None, longitude: Decimal | None = None,
                 directions: str = "", map_url: str = "") -> Venue:
    """A new venue. ``actor=None`` is the trusted demo loader; otherwise an organiser."""
    if actor is not None:
        permission_require(allowed=venue_can_add(user=actor),
                           message=_("Only organisers may add venues."))
    fields = _clean({"name": name, "address": address, "latitude": latitude,
                     "longitude": longitude, "directions": directions, "map_url": map_url})
    venue = Venue(**fields)
    venue.full_clean()
    venue.save()
    return venue


@transaction.atomic
def venue_update(*, actor: Actor, venue: Venue, **fields) -> tuple[Venue, VenueImpact]:
    """Edit a venue without changing what past events show.

    Returns the venue that now holds the edit (the same row, or a new version when past
    events used this one) and what the edit changed. Editing an old version is refused:
    edit the current one.
    """
    venue_edit_require(actor=actor)
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if venue.replaced_by_id is not None:
        raise ValidationError(_("This is an old version of the venue, kept for past events; "
                                "edit the current one."))
    fields = _clean(fields)
    impact = venue_edit_impact(venue=venue)
    changed = {k: v for k, v in fields.items() if getattr(venue, k) != v}
    if not changed:
        return venue, VenueImpact(upcoming=0, past=0)
    if not impact.creates_version:
        for name, value in changed.items():
            setattr(venue, name, value)
        venue.full_clean()
        venue.save()
        return venue, impact
    new = Venue(**{name: getattr(venue, name) for name in VENUE_FIELDS})
    for name, value in changed.items():
        setattr(new, name, value)
    new.full_clean()
    new.save()
    venue.replaced_by = new
    venue.save(update_fields=["replaced_by", "updated_at"])
    Venue.objects.filter(replaced_by=venue).update(replaced_by=new)
    Event.objects.filter(venue=venue, ends_at__gte=timezone.now()).update(
        venue=new, updated_at=timezone.now())
    return new, impact


@transaction.atomic
def venue_merge(*, actor: Actor, keep: Venue, duplicate: Venue) -> VenueImpact:
    """Merge ``duplicate`` into ``keep``: its upcoming events move; its past events keep
    their address (the row stays, pointing at ``keep``); without past events it goes."""
    venue_edit_require(actor=actor)
    if keep.pk == duplicate.pk:
        raise ValidationError(_("Choose two different venues."))
    keep = Venue.objects.select_for_update().get(pk=keep.pk)
    duplicate = Venue.objects.select_for_update().get(pk=duplicate.pk)
    if keep.replaced_by_id is not None:
        raise ValidationError(_("Merge into the current version of a venue."))
    if venue_current(venue=keep).pk == duplicate.pk:
        raise ValidationError(_("This venue replaced the other one already."))
    impact = venue_edit_impact(venue=duplicate)
    Event.objects.filter(venue=duplicate, ends_at__gte=timezone.now()).update(
        venue=keep, updated_at=timezone.now())
    Venue.objects.filter(replaced_by=duplicate).update(replaced_by=keep)
    if impact.past:
        duplicate.replaced_by = keep
        duplicate.save(update_fields=["replaced_by", "updated_at"])
    else:
        duplicate.delete()
    return impact
