"""Events: create, edit, publish, unpublish, cancel, delete, copy; their organisers and
series.

Writes that change an event take the acting user (``actor``) and check object-level
permission: only the event's organisers (holding the organiser role's
``events.manage_event``) and superusers may change it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.files import files_delete_on_commit
from common.permissions import Actor, permission_require
from events.models import RSVP, Event, Mail, Series, Venue
from events.rules import event_can_create, event_can_delete, user_is_organiser
from events.services.mail import mail_queue
from events.services.rsvps import waitlist_promote
from events.services.shared import (
    TALK_MARGIN,
    event_manage_require,
    slug_unique,
    tags_get_or_create,
    user_by_username,
)
from events.services.venues import venue_current

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# Events happen within these bounds: a typo such as year 9999 or 2031 for 2019 is caught.
EARLIEST_EVENT_YEAR = 2000
LATEST_EVENT_AHEAD = timedelta(days=5 * 366)
LONGEST_EVENT = timedelta(days=7)
# A model night's challenge window (submissions that count) lasts at most this long.
LONGEST_CHALLENGE = timedelta(days=60)

EVENT_FIELDS = ("title", "title_zh", "description", "description_zh", "starts_at", "ends_at",
                "timezone", "capacity", "stream_url", "series", "venue", "rsvp_deadline",
                "max_guests", "model_night", "challenge_opens_at", "challenge_closes_at")


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"timezone": _("Unknown time zone.")}) from exc
    return name


def series_get_or_create(*, name: str) -> Series:
    series = Series.objects.filter(name=name).first()
    if series is None:
        series = Series.objects.create(
            name=name, slug=slug_unique(model=Series, base=name, fallback="series"))
    return series


def event_create_require(*, actor: Actor | None) -> None:
    """Refuse unless ``actor`` may create events (:func:`events.rules.event_can_create`)."""
    permission_require(allowed=event_can_create(user=actor),
                       message=_("Only organisers may create events."))


def local_time_check(*, value: datetime, zone: str, field: str) -> datetime:
    """Refuse a wall-clock time that does not exist in ``zone`` (clocks jump forward
    at a daylight-saving change), instead of silently moving it."""
    tz = ZoneInfo(zone)
    naive = value.replace(tzinfo=None) if timezone.is_aware(value) else value
    aware = naive.replace(tzinfo=tz)
    try:
        round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None)
    except OverflowError as exc:  # e.g. 9999-12-31 23:59 west of Greenwich
        raise ValidationError({field: _("This date is out of range; check the year.")}) \
            from exc
    if round_trip != naive:
        raise ValidationError({field: _(
            "%(time)s does not exist in %(zone)s: the clocks jump forward at that time "
            "(daylight saving). Choose another time, such as %(instead)s.")
            % {"time": f"{naive:%Y-%m-%d %H:%M}", "zone": zone,
               "instead": f"{round_trip:%H:%M}"}})
    return aware


@transaction.atomic
def event_create(*, actor: Actor, title: str, starts_at: datetime, ends_at: datetime,
                 description: str = "", timezone_name: str = settings.TIME_ZONE,
                 capacity: int | None = None, stream_url: str = "", venue: Venue | None = None,
                 series: Series | None = None, tags: list[str] | None = None,
                 slug: str = "", organisers: list | None = None,
                 rsvp_deadline: datetime | None = None, max_guests: int = 0,
                 title_zh: str = "", description_zh: str = "", model_night: bool = False,
                 challenge_opens_at: datetime | None = None,
                 challenge_closes_at: datetime | None = None) -> Event:
    """A new draft event; the actor becomes its first organiser. ``title`` and
    ``description`` are the English (or only) version, the ``_zh`` ones the Chinese.
    A ``model_night`` hosts a model challenge; its window defaults to the event's times
    (see :attr:`Event.challenge_window`)."""
    event_create_require(actor=actor)
    event = Event(
        title=title, description=description, title_zh=title_zh, description_zh=description_zh,
        starts_at=starts_at, ends_at=ends_at,
        timezone=_check_timezone(timezone_name), capacity=capacity, stream_url=stream_url,
        venue=venue, series=series, status=Event.Status.DRAFT, rsvp_deadline=rsvp_deadline,
        max_guests=max_guests, model_night=model_night,
        challenge_opens_at=challenge_opens_at, challenge_closes_at=challenge_closes_at,
    )
    _event_validate(event=event)
    local = timezone.localtime(starts_at, ZoneInfo(event.timezone))
    # the English title reads best in a URL; a Chinese-only event keeps its Chinese
    event.slug = slug_unique(model=Event, base=slug or f"{local:%Y-%m-%d} {title}",
                             fallback=f"event-{local:%Y-%m-%d}")
    event.save()
    event.organisers.add(actor, *(organisers or []))
    event.tags.set(tags_get_or_create(names=tags or []))
    return event


def _event_validate(*, event: Event) -> None:
    """The fields, then the dates: the end after the start, at most a week long, not
    before 2000 nor more than five years ahead, a deadline before the end; the venue
    must be a current one (an old version stays with the past events that had it).
    A model night's window closes after it opens, lasts at most 60 days and lies within
    60 days of the event (a mistyped year is caught); an event that hosts no challenge
    keeps no window."""
    if not event.model_night:
        event.challenge_opens_at = event.challenge_closes_at = None
    event.full_clean(exclude=["slug"])
    errors: dict[str, str] = {}
    if event.ends_at <= event.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    elif event.ends_at - event.starts_at > LONGEST_EVENT:
        errors["ends_at"] = _("An event lasts at most a week; check the end date.")
    if event.starts_at.year < EARLIEST_EVENT_YEAR:
        errors["starts_at"] = _("The start is before %(year)s; check the year.") % {
            "year": EARLIEST_EVENT_YEAR}
    elif event.starts_at > timezone.now() + LATEST_EVENT_AHEAD:
        errors["starts_at"] = _("The start is more than five years ahead; check the year.")
    if event.rsvp_deadline is not None and event.rsvp_deadline > event.ends_at:
        errors["rsvp_deadline"] = _("The RSVP deadline must be before the event ends.")
    if event.venue is not None and event.venue.replaced_by_id is not None:
        venue_changed = (event.pk is None or not Event.objects.filter(
            pk=event.pk, venue_id=event.venue_id).exists())
        if venue_changed:
            errors["venue"] = _("This venue was replaced by a newer version; choose that one.")
    window = event.challenge_window
    if window is not None and "ends_at" not in errors:
        opens, closes = window
        if closes <= opens:
            errors["challenge_closes_at"] = _("The challenge must close after it opens.")
        elif closes - opens > LONGEST_CHALLENGE:
            errors["challenge_closes_at"] = _(
                "A challenge lasts at most 60 days; check the dates.")
        elif opens < event.starts_at - LONGEST_CHALLENGE:
            errors["challenge_opens_at"] = _(
                "The challenge opens more than 60 days before the event; check the dates.")
        elif closes > event.ends_at + LONGEST_CHALLENGE:
            errors["challenge_closes_at"] = _(
                "The challenge closes more than 60 days after the event; check the dates.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_update(*, actor: Actor, event: Event, tags: list[str] | None = None,
                 **fields) -> Event:
    """Change an event's fields; a larger capacity moves people up from the waitlist.
    A talk left outside the new times is refused (move the talk first)."""
    event_manage_require(actor=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(event, name, value)
    _check_timezone(event.timezone)
    _event_validate(event=event)
    outside = event.talks.exclude(starts_at__isnull=True).exclude(
        starts_at__gte=event.starts_at - TALK_MARGIN, starts_at__lte=event.ends_at)
    if outside.exists():
        raise ValidationError({"starts_at": _(
            "The talk “%(title)s” would be outside the event's new times; change it first.")
            % {"title": outside.first().title}})
    event.save()
    if tags is not None:
        event.tags.set(tags_get_or_create(names=tags))
    waitlist_promote(event=event)
    return event


def event_publish(*, actor: Actor, event: Event) -> Event:
    event_manage_require(actor=actor, event=event)
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("A cancelled event cannot be published again; copy it instead."))
    event.status = Event.Status.PUBLISHED
    event.published_at = event.published_at or timezone.now()
    event.save(update_fields=["status", "published_at", "updated_at"])
    return event


@transaction.atomic
def event_unpublish(*, actor: Actor, event: Event) -> Event:
    """Back to a draft (hidden from everyone but its organisers). Only while nobody has
    answered: an event people count on is cancelled instead, so they are told."""
    event_manage_require(actor=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Only a published event can go back to being a draft."))
    if event.rsvps.exclude(status=RSVP.Status.CANCELLED).exists():
        raise ValidationError(_("Members have answered: cancel the event instead, so they "
                                "are told."))
    event.status = Event.Status.DRAFT
    event.save(update_fields=["status", "updated_at"])
    return event


def event_cancel_recipients(*, event: Event) -> int:
    """How many members a cancellation would email (for the confirmation page)."""
    return event.rsvps.exclude(status=RSVP.Status.CANCELLED).exclude(user__email="").count()


@transaction.atomic
def event_cancel(*, actor: Actor, event: Event) -> tuple[Event, int]:
    """Cancel a published event and email everyone who answered yes or waits, each by
    their own task once the cancellation is committed. Cancelling an event that is
    already cancelled changes nothing and emails nobody. Returns the event and the
    number of emails queued."""
    event_manage_require(actor=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        return event, 0
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Only a published event can be cancelled; delete a draft "
                                "instead."))
    event.status = Event.Status.CANCELLED
    event.cancelled_at = timezone.now()
    event.save(update_fields=["status", "cancelled_at", "updated_at"])
    queued = 0
    for rsvp in event.rsvps.exclude(status=RSVP.Status.CANCELLED).select_related("user"):
        if mail_queue(user=rsvp.user, event=event, kind=Mail.Kind.CANCELLED):
            queued += 1
    return event, queued


@transaction.atomic
def event_delete(*, actor: Actor, event: Event) -> None:
    """Delete an event with its talks, recordings, materials, photos and summary posts;
    their stored files are removed once that is committed. An event members answered
    is cancelled instead (they are told, and the history stays)."""
    event_manage_require(actor=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not event_can_delete(event=event):
        raise ValidationError(_("Members have answered this event: cancel it instead."))
    files = []
    for material in event.materials.all():
        files.append(material.file)
    for photo in event.photos.all():
        files += [photo.image, photo.thumbnail]
    event.posts.all().delete()  # a summary without its event would become public
    event.delete()
    files_delete_on_commit(files=files)


@transaction.atomic
def event_copy(*, actor: Actor, event: Event, starts_at: datetime, title: str = "") -> Event:
    """The next event of a series: same venue (its current version), description,
    capacity, guests, stream, tags, organisers and model night (its window shifted with
    the event), shifted to a new start; a draft, without talks, RSVPs or media."""
    event_manage_require(actor=actor, event=event)
    duration = event.ends_at - event.starts_at
    shift = starts_at - event.starts_at
    new = event_create(
        actor=actor, title=title or event.title, starts_at=starts_at,
        ends_at=starts_at + duration, description=event.description,
        title_zh=event.title_zh if title in ("", event.title) else "",
        description_zh=event.description_zh,
        timezone_name=event.timezone, capacity=event.capacity, stream_url=event.stream_url,
        venue=venue_current(venue=event.venue) if event.venue else None, series=event.series,
        tags=[t.name for t in event.tags.all()], max_guests=event.max_guests,
        organisers=list(event.organisers.all()), model_night=event.model_night,
        challenge_opens_at=event.challenge_opens_at + shift if event.challenge_opens_at
        else None,
        challenge_closes_at=event.challenge_closes_at + shift if event.challenge_closes_at
        else None,
    )
    return new


@transaction.atomic
def event_organiser_add(*, actor: Actor, event: Event, username: str) -> AbstractBaseUser:
    """Add an organiser by username; they must hold the organiser role."""
    event_manage_require(actor=actor, event=event)
    user = user_by_username(username=username)
    if not user_is_organiser(user=user):
        raise ValidationError({"username": _("%(name)s does not have the organiser role.")
                               % {"name": user.get_username()}})
    event.organisers.add(user)
    return user


@transaction.atomic
def event_organiser_remove(*, actor: Actor, event: Event, user: AbstractBaseUser) -> None:
    """Remove an organiser; an event always keeps at least one."""
    event_manage_require(actor=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not event.organisers.filter(pk=user.pk).exists():
        return
    if event.organisers.count() <= 1:
        raise ValidationError(_("An event needs at least one organiser."))
    event.organisers.remove(user)
