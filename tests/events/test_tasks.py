"""Tasks: the reminders run on the beat; a real Celery worker process sends the mail of a
cancellation: one task per member, in the member's language, after the cancellation
committed. The worker has its own memory, so it writes with the console backend into its
log, and records ``sent_at``."""

import pytest
from django.urls import reverse

from events.models import Mail
from tests.events.factories import EventFactory, RSVPFactory, UserFactory
from tests.support import wait_for


@pytest.mark.django_db
def test_reminders_are_a_beat_task():
    from hub.celeryconfig import beat_schedule

    tasks = {entry["task"] for entry in beat_schedule.values()}
    assert {"events.tasks.reminders_queue", "events.tasks.mails_resend_unsent"} <= tasks


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_sends_each_members_mail_in_their_language(
        client, organiser, start_worker, purge_queues):
    from hub.celery import app

    app.conf.task_always_eager = False
    worker = start_worker(queues="default", env={
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SITE_URL": "https://hub.example.org"})
    event = EventFactory(organisers=[organiser], title="Keras night")
    for name, language in (("mei", "zh-hans"), ("tom", "en")):
        RSVPFactory(event=event, user=UserFactory(username=name, preferred_language=language))
    client.force_login(organiser)
    response = client.post(reverse("events:cancel", kwargs={"slug": event.slug}))
    assert response.status_code == 302
    wait_for(lambda: Mail.objects.filter(sent_at__isnull=False).count() == 2,
             what="both mails sent by the worker")
    log = worker.log.read_text(encoding="utf-8", errors="replace")
    assert "To: mei@example.org" in log and "To: tom@example.org" in log
    assert "Subject: Cancelled: Keras night" in log
    assert "https://hub.example.org/zh-hans/events/" in log
    assert log.count("Task events.tasks.mail_send[") >= 2  # one task per member
