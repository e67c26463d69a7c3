"""RSVPs with guests and the waitlist, and attendance (check-in, walk-ins)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.permissions import Actor, permission_require
from events.models import RSVP, Event, Mail
from events.rules import rsvp_can_answer, rsvp_open
from events.services.mail import mail_queue
from events.services.shared import event_manage_require


def _seats_taken(*, event: Event) -> int:
    going = event.rsvps.filter(status=RSVP.Status.GOING, mode=RSVP.Mode.ONSITE)
    return going.aggregate(n=Coalesce(Sum(F("guests") + 1), 0))["n"]


def _seats_free(*, event: Event) -> int | None:
    if event.capacity is None:
        return None
    return event.capacity - _seats_taken(event=event)


def waitlist_promote(*, event: Event) -> list[RSVP]:
    """Fill free seats from the waitlist in order (members waiting, and members going
    online who asked for a seat); a party too large for the seats left waits, and the
    next one that fits goes. The caller holds the event's lock."""
    promoted: list[RSVP] = []
    if event.status != Event.Status.PUBLISHED or event.ends_at <= timezone.now():
        return promoted
    waiting = (event.rsvps.filter(Q(status=RSVP.Status.WAITLISTED)
                                  | Q(status=RSVP.Status.GOING, wants_onsite=True))
               .select_related("user").order_by("waitlisted_at", "id"))
    free = _seats_free(event=event)
    for rsvp in waiting:
        if free is not None and free < rsvp.seats:
            continue
        rsvp.status, rsvp.mode, rsvp.wants_onsite = RSVP.Status.GOING, RSVP.Mode.ONSITE, False
        rsvp.waitlisted_at = None
        rsvp.save(update_fields=["status", "mode", "wants_onsite", "waitlisted_at",
                                 "updated_at"])
        mail_queue(user=rsvp.user, event=event, kind=Mail.Kind.PROMOTED)
        promoted.append(rsvp)
        if free is not None:
            free -= rsvp.seats
    return promoted


@transaction.atomic
def rsvp_create(*, actor: Actor, event: Event, mode: str = RSVP.Mode.ONSITE,
                guests: int = 0, language: str = "") -> RSVP:
    """Answer yes, or change an answer: on site or online, with guests (+N).

    On site takes a seat for the member and their guests, or joins the waitlist when
    there are not enough. Switching keeps what the member has: on site → online gives
    the seat to the waitlist; online → on site takes a seat if there is one, and
    otherwise keeps the member going online while they wait for a seat. More guests
    than seats left are refused and the answer stays as it was. The event row is
    locked, so two people never take the last seat. After the deadline, members can
    still cancel or switch to online, nothing else.
    """
    permission_require(allowed=rsvp_can_answer(user=actor), message=_("Log in to RSVP."))
    if mode not in RSVP.Mode.values:
        raise ValidationError(_("Choose on site or online."))
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("This event does not take RSVPs."))
    now = timezone.now()
    if event.ends_at <= now:
        raise ValidationError(_("This event is over."))
    if mode == RSVP.Mode.ONLINE:
        guests = 0  # guests take seats; online places are unlimited
    if guests < 0 or guests > event.max_guests:
        raise ValidationError({"guests": ngettext(
            "You may bring at most %(n)s guest.", "You may bring at most %(n)s guests.",
            event.max_guests) % {"n": event.max_guests} if event.max_guests
            else _("This event takes no guests.")})
    rsvp = RSVP.objects.filter(event=event, user=actor).first()
    active = rsvp is not None and rsvp.is_active
    if (active and rsvp.mode == mode and rsvp.guests == guests
            and not (mode == RSVP.Mode.ONLINE and rsvp.wants_onsite)):
        return rsvp
    opening = not active or (mode == RSVP.Mode.ONSITE and (
        rsvp.mode != RSVP.Mode.ONSITE or guests > rsvp.guests))
    if opening and not rsvp_open(event=event, now=now):
        raise ValidationError(_("RSVPs for this event are closed."))
    if rsvp is None:
        rsvp = RSVP(event=event, user=actor)
    if language and language in dict(settings.LANGUAGES):
        rsvp.language = language
    held = rsvp.seats if (active and rsvp.status == RSVP.Status.GOING
                          and rsvp.mode == RSVP.Mode.ONSITE) else 0
    free = _seats_free(event=event)
    fits = free is None or free + held >= 1 + guests
    kind = None
    if mode == RSVP.Mode.ONLINE:
        was = rsvp.status if active else None
        rsvp.mode, rsvp.guests, rsvp.status = RSVP.Mode.ONLINE, 0, RSVP.Status.GOING
        rsvp.wants_onsite, rsvp.waitlisted_at = False, None
        kind = Mail.Kind.CONFIRMED if was != RSVP.Status.GOING or held else None
    elif held:  # already seated on site: a change of guests
        if not fits:
            raise ValidationError({"guests": _(
                "Only %(n)s seats are left: your answer is unchanged.")
                % {"n": max(free + held - 1, 0)}})
        rsvp.guests = guests
    elif fits:
        rsvp.mode, rsvp.guests, rsvp.status = RSVP.Mode.ONSITE, guests, RSVP.Status.GOING
        rsvp.wants_onsite, rsvp.waitlisted_at = False, None
        kind = Mail.Kind.CONFIRMED
    elif active and rsvp.status == RSVP.Status.GOING:  # online, asks for a seat: waits
        rsvp.guests, rsvp.wants_onsite = guests, True
        rsvp.waitlisted_at = rsvp.waitlisted_at or now
    else:
        waiting = active and rsvp.status == RSVP.Status.WAITLISTED
        rsvp.mode, rsvp.guests, rsvp.status = RSVP.Mode.ONSITE, guests, RSVP.Status.WAITLISTED
        rsvp.wants_onsite = False
        rsvp.waitlisted_at = rsvp.waitlisted_at if waiting else now  # keeps their place
        kind = None if waiting else Mail.Kind.WAITLISTED
    try:
        with transaction.atomic():
            rsvp.save()
    except IntegrityError as exc:  # the same member twice at once: the first one wins
        raise ValidationError(_("You have already answered.")) from exc
    if kind is not None:
        mail_queue(user=actor, event=event, kind=kind)
    waitlist_promote(event=event)
    rsvp.refresh_from_db()
    return rsvp


@transaction.atomic
def rsvp_cancel(*, actor: Actor, event: Event) -> RSVP | None:
    """Cancel an answer; freed seats go to the waitlist."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    rsvp = RSVP.objects.filter(event=event, user=actor).exclude(
        status=RSVP.Status.CANCELLED).first()
    if rsvp is None:
        return None
    rsvp.status = RSVP.Status.CANCELLED
    rsvp.waitlisted_at, rsvp.wants_onsite, rsvp.guests = None, False, 0
    rsvp.save(update_fields=["status", "waitlisted_at", "wants_onsite", "guests",
                             "updated_at"])
    waitlist_promote(event=event)
    return rsvp


def attendance_check_in(*, actor: Actor, event: Event, rsvp: RSVP, present: bool = True) -> RSVP:
    """Record that a member came (on site or online)."""
    event_manage_require(actor=actor, event=event)
    if rsvp.event_id != event.pk:
        raise ValidationError(_("This RSVP belongs to another event."))
    if present and rsvp.status == RSVP.Status.CANCELLED:
        raise ValidationError(_("This member cancelled."))
    rsvp.checked_in_at = timezone.now() if present else None
    if present and rsvp.status == RSVP.Status.WAITLISTED:
        rsvp.status = RSVP.Status.GOING  # they came anyway: count them
    rsvp.save(update_fields=["checked_in_at", "status"])
    return rsvp


def attendance_walk_ins_set(*, actor: Actor, event: Event, onsite: int, online: int) -> Event:
    """People counted at the door (or in the stream) who never registered."""
    event_manage_require(actor=actor, event=event)
    if onsite < 0 or online < 0:
        raise ValidationError(_("Counts cannot be negative."))
    event.walk_ins_onsite, event.walk_ins_online = onsite, online
    event.save(update_fields=["walk_ins_onsite", "walk_ins_online", "updated_at"])
    return event
