"""Email to members: one ``Mail`` row and one Celery task per recipient.

A service that causes a mail calls :func:`mail_queue` inside its transaction: the row is
written with the change, and ``events.tasks.mail_send`` is queued with
``transaction.on_commit(..., robust=True)``, so a rolled-back change sends nothing and a
broker that is down never undoes a saved change (the row stays unsent, and
:func:`mails_resend_unsent` sends it later). The task renders the mail when it runs, in
the member's language (the profile's choice, else the language of the site when they
answered, else the site's default), with links built from ``settings.SITE_URL``; the
text is in ``templates/events/email/``. It records ``sent_at``, so a task that runs
twice sends once; an SMTP error fails only that member's task, which Celery retries.

Only addresses the member has confirmed get mail (a user model without an
``email_verified`` field counts every address as confirmed).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation

from events import feeds
from events.models import RSVP, Event, Mail, TalkProposal
from events.rendering import markdown_plain

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

# Kinds whose mail carries the event's .ics
WITH_CALENDAR = {Mail.Kind.CONFIRMED, Mail.Kind.PROMOTED, Mail.Kind.REMINDER,
                 Mail.Kind.CANCELLED}
REMINDER_BEFORE = timedelta(hours=24)


def mail_address_ok(*, user: AbstractBaseUser) -> bool:
    """The member has an address we may write to (confirmed, where the site confirms)."""
    return bool(user.email) and bool(getattr(user, "email_verified", True)) and user.is_active


def _send_later(mail_id: int) -> None:
    from events.tasks import mail_send

    mail_send.delay(mail_id)


def mail_queue(*, user: AbstractBaseUser, event: Event, kind: str,
               proposal: TalkProposal | None = None) -> Mail | None:
    """Record a mail to one member and queue its task once the transaction commits.

    Returns ``None`` when the member has no usable address, or for a cancellation or
    reminder that this member was already sent for this event.
    """
    if not mail_address_ok(user=user):
        return None
    mail = Mail(user=user, event=event, kind=kind, proposal=proposal)
    try:
        with transaction.atomic():
            mail.save()
    except IntegrityError:  # a cancellation or reminder already recorded
        return None
    transaction.on_commit(lambda: _send_later(mail.pk), robust=True)
    return mail


def mail_language(*, mail: Mail) -> str:
    """The member's language: their choice, else the site's language when they answered."""
    languages = dict(settings.LANGUAGES)
    chosen = getattr(mail.user, "preferred_language", "") or ""
    if chosen in languages:
        return chosen
    answered = (RSVP.objects.filter(event=mail.event, user=mail.user)
                .exclude(language="").values_list("language", flat=True).first())
    if answered in languages:
        return answered
    return settings.LANGUAGE_CODE


def _url(path: str) -> str:
    return settings.SITE_URL + path


def mail_build(*, mail: Mail) -> EmailMultiAlternatives:
    """The message, rendered in the member's language (activates it while rendering)."""
    event = mail.event
    rsvp = RSVP.objects.filter(event=event, user=mail.user).first()
    language = mail_language(mail=mail)
    with translation.override(language), timezone.override(ZoneInfo(event.timezone)):
        online = bool(rsvp and rsvp.status == RSVP.Status.GOING
                      and rsvp.mode == RSVP.Mode.ONLINE)
        context = {
            "mail": mail, "user": mail.user, "event": event, "rsvp": rsvp,
            "proposal": mail.proposal,
            "name": getattr(mail.user, "display_name", "") or mail.user.get_username(),
            "site_name": settings.SITE_NAME,
            "event_url": _url(event.get_absolute_url()),
            "ics_url": _url(_ics_path(event)),
            "profile_url": _url(_profile_path()),
            "when": feeds.event_when(event),
            "where": feeds.event_where(event),
            "directions": markdown_plain(text=event.venue.directions) if event.venue else "",
            "stream_url": event.stream_url if online and event.ends_at > timezone.now() else "",
            "proposal_message": mail.proposal.message if mail.proposal else "",
        }
        if mail.proposal is not None:
            context["manage_url"] = _url(_manage_path(event))
        template = f"events/email/{mail.kind}"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
        message = EmailMultiAlternatives(subject=subject, body=body,
                                         from_email=settings.DEFAULT_FROM_EMAIL,
                                         to=[mail.user.email])
        message.extra_headers["Content-Language"] = language
        if mail.kind in WITH_CALENDAR:
            ics = feeds.ical_for_events(events=[event], base_url=settings.SITE_URL + "/")
            message.attach(f"{event.slug}.ics", ics, "text/calendar; charset=utf-8")
    return message


def _ics_path(event: Event) -> str:
    from django.urls import reverse

    return reverse("events:ics", kwargs={"slug": event.slug})


def _manage_path(event: Event) -> str:
    from django.urls import reverse

    return reverse("events:manage", kwargs={"slug": event.slug})


def _profile_path() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("hub:profile")
    except NoReverseMatch:
        return "/"


def mail_send(*, mail_id: int) -> str:
    """Send one recorded mail unless it was sent already; called by the Celery task.

    Returns "sent", "already sent" or "skipped" (the member or the row is gone, or the
    address is no longer usable). A sending error is recorded on the row and raised,
    so the task retries.
    """
    error: Exception | None = None
    with transaction.atomic():
        mail = (Mail.objects.select_for_update(of=("self",))
                .select_related("user", "event", "event__venue", "proposal")
                .filter(pk=mail_id).first())
        if mail is None:
            return "skipped"
        if mail.sent_at is not None:
            return "already sent"
        if not mail_address_ok(user=mail.user):
            return "skipped"
        try:
            mail_build(mail=mail).send()
        except Exception as exc:  # any backend's error: recorded below, then retried
            error = exc
        else:
            mail.attempts += 1
            mail.sent_at = timezone.now()
            mail.last_error = ""
            mail.save(update_fields=["sent_at", "attempts", "last_error"])
    if error is not None:
        Mail.objects.filter(pk=mail_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:300])
        raise error
    return "sent"


def mail_reminders_queue(*, now: datetime | None = None) -> int:
    """Queue the day-before reminder for every member going to a published event that
    starts within ``REMINDER_BEFORE``; once per member and event. Members who answered
    after the reminder window opened got their confirmation (with the .ics) moments ago
    and get no reminder. Run by beat (``events.tasks.reminders_queue``)."""
    now = now or timezone.now()
    events = Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__gt=now,
                                  starts_at__lte=now + REMINDER_BEFORE)
    queued = 0
    for event in events:
        window_opened = event.starts_at - REMINDER_BEFORE
        reminded = Mail.objects.filter(event=event, user=OuterRef("user"),
                                       kind=Mail.Kind.REMINDER)
        rsvps = (event.rsvps.filter(status=RSVP.Status.GOING, created_at__lt=window_opened)
                 .exclude(Exists(reminded)).select_related("user"))
        with transaction.atomic():
            for rsvp in rsvps:
                if mail_queue(user=rsvp.user, event=event, kind=Mail.Kind.REMINDER):
                    queued += 1
    return queued


def mails_resend_unsent(*, older_than: timedelta = timedelta(minutes=10),
                        max_age: timedelta = timedelta(days=2)) -> int:
    """Queue again the mails whose task never ran (the broker was down when they were
    queued); run by beat. Mails older than ``max_age`` are left alone."""
    now = timezone.now()
    ids = list(Mail.objects.filter(sent_at__isnull=True, created_at__lt=now - older_than,
                                   created_at__gte=now - max_age, attempts=0)
               .values_list("pk", flat=True)[:500])
    for mail_id in ids:
        try:
            _send_later(mail_id)
        except Exception:  # the broker is still down: the next run tries again
            logger.warning("could not queue mail %s", mail_id, exc_info=True)
            break
    return len(ids)
