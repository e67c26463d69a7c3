"""Issue #15, defect 4 and item 9: mail to members.

One ``Mail`` row and one Celery task per recipient, queued with
``on_commit(robust=True)``; retried on SMTP errors; rendered in the recipient's
language with links from ``SITE_URL``; cancellations and reminders at most once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import services
from events.models import RSVP, Event, Mail
from tests.events.factories import EventFactory, RSVPFactory, UserFactory
from tests.support import broker_dead

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://hub.example.org"


def _member(name: str, language: str = "en", **kwargs):
    return UserFactory(username=name, email=f"{name}@example.org",
                       preferred_language=language, **kwargs)


def test_cancelling_twice_sends_one_round_of_emails(organiser,
                                                    django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser])
    for name in ("ana", "ben"):
        RSVPFactory(event=event, user=_member(name))
    with django_capture_on_commit_callbacks(execute=True):
        _event, queued = services.event_cancel(actor=organiser, event=event)
    assert queued == 2 and len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        _event, queued = services.event_cancel(actor=organiser, event=event)
    assert queued == 0 and len(mail.outbox) == 2
    assert Mail.objects.filter(kind="cancelled").count() == 2


def test_one_refused_address_neither_stops_the_others_nor_fails_the_cancel(
        client, organiser, settings, django_capture_on_commit_callbacks):
    settings.MAILERS = {"default": {"BACKEND": "tests.events.mailbackends.RefusingBackend"}}
    event = EventFactory(organisers=[organiser])
    for name in ("ana", "broken", "ben"):
        RSVPFactory(event=event, user=_member(name))
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:cancel", kwargs={"slug": event.slug}))
    assert response.status_code == 302  # was a 500, with the cancel already saved
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]
    failed = Mail.objects.get(user__username="broken")
    assert failed.sent_at is None and failed.attempts == 7  # the first try and 6 retries
    assert "SMTPRecipientsRefused" in failed.last_error
    assert Mail.objects.filter(sent_at__isnull=False).count() == 2


def test_each_member_gets_their_own_language_and_links_from_site_url(
        organiser, django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser], title="Keras night")
    RSVPFactory(event=event, user=_member("mei", "zh-hans"))
    RSVPFactory(event=event, user=_member("tom", "en"))
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=organiser, event=event)
    by_address = {m.to[0]: m for m in mail.outbox}
    zh, en = by_address["mei@example.org"], by_address["tom@example.org"]
    assert zh.subject == "已取消：Keras night" and "抱歉" in zh.body
    assert en.subject == "Cancelled: Keras night" and "Sorry" in en.body
    assert f"https://hub.example.org/zh-hans/events/{event.slug}/" in zh.body
    assert f"https://hub.example.org/en/events/{event.slug}/" in en.body
    assert "127.0.0.1" not in zh.body + en.body
    assert zh.extra_headers["Content-Language"] == "zh-hans"


def test_without_a_chosen_language_the_rsvp_pages_language_is_used(
        client, django_capture_on_commit_callbacks):
    event = EventFactory(title="Keras night")
    member = _member("lin", "")
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/zh-hans/events/{event.slug}/rsvp/", {"mode": "onsite"})
    [message] = mail.outbox
    assert RSVP.objects.get(user=member).language == "zh-hans"
    assert message.subject == "报名成功：Keras night"


def test_the_confirmation_carries_the_event_as_ics(member, django_capture_on_commit_callbacks):
    event = EventFactory(description="Bring a **laptop**: <https://tfug.example/setup>")
    member.preferred_language = "en"
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.rsvp_create(actor=member, event=event)
    [message] = mail.outbox
    assert message.subject == f"You are registered: {event.title}"
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"{event.slug}.ics" and mimetype.startswith("text/calendar")
    [vevent] = Calendar.from_ical(content).walk("VEVENT")
    assert str(vevent["UID"]) == f"{event.uid}@events.tfug-hub"
    assert "**" not in str(vevent["DESCRIPTION"])
    assert "Bring a laptop: https://tfug.example/setup" in str(vevent["DESCRIPTION"])


def test_an_unconfirmed_address_gets_no_mail(organiser, django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser])
    RSVPFactory(event=event, user=_member("new", email_verified=False))
    with django_capture_on_commit_callbacks(execute=True):
        _event, queued = services.event_cancel(actor=organiser, event=event)
    assert queued == 0 and mail.outbox == [] and not Mail.objects.exists()


def test_a_rolled_back_change_sends_nothing(organiser, django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser])
    RSVPFactory(event=event, user=_member("ana"))
    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError),
          transaction.atomic()):
        services.event_cancel(actor=organiser, event=event)
        raise RuntimeError("something later failed")
    assert mail.outbox == [] and not Mail.objects.exists()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


def test_a_mail_task_run_twice_sends_once(organiser, django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser])
    RSVPFactory(event=event, user=_member("ana"))
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=organiser, event=event)
    sent = Mail.objects.get()
    assert services.mail_send(mail_id=sent.pk) == "already sent"
    assert len(mail.outbox) == 1


def test_broker_down_never_undoes_a_cancel_and_the_mail_goes_later(
        client, organiser, monkeypatch, django_capture_on_commit_callbacks):
    from hub.celery import app

    event = EventFactory(organisers=[organiser])
    RSVPFactory(event=event, user=_member("ana"))
    client.force_login(organiser)
    app.conf.task_always_eager = False
    with broker_dead(monkeypatch), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:cancel", kwargs={"slug": event.slug}))
    assert response.status_code == 302
    assert Event.objects.get(pk=event.pk).status == Event.Status.CANCELLED
    unsent = Mail.objects.get()
    assert unsent.sent_at is None and mail.outbox == []
    # beat's resend: queued again once the broker is back (run in process here)
    app.conf.task_always_eager = True
    Mail.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    assert services.mails_resend_unsent() == 1
    assert len(mail.outbox) == 1
    assert Mail.objects.get().sent_at is not None


def test_the_reminder_goes_once_the_day_before_with_the_ics(
        organiser, django_capture_on_commit_callbacks):
    start = timezone.now() + timedelta(hours=20)
    event = EventFactory(organisers=[organiser], starts_at=start,
                         ends_at=start + timedelta(hours=3), title="Keras night")
    going = RSVPFactory(event=event, user=_member("mei", "zh-hans"))
    online = RSVPFactory(event=event, user=_member("tom"), mode=RSVP.Mode.ONLINE)
    RSVPFactory(event=event, user=_member("wait"), status=RSVP.Status.WAITLISTED)
    RSVPFactory(event=event, user=_member("gone"), status=RSVP.Status.CANCELLED)
    late = RSVPFactory(event=event, user=_member("late"))  # answered in the last day
    RSVP.objects.exclude(pk=late.pk).update(created_at=timezone.now() - timedelta(days=3))
    later = EventFactory(organisers=[organiser])  # in a week: not yet
    RSVPFactory(event=later, user=_member("early"))
    RSVP.objects.filter(event=later).update(created_at=timezone.now() - timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.mail_reminders_queue() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mail_reminders_queue() == 0  # beat runs again: nothing new
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {going.user.email, online.user.email}
    zh = by_address[going.user.email]
    assert zh.subject == "明天：Keras night"
    assert zh.attachments[0][0].endswith(".ics")
