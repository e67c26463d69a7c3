"""Thin Celery tasks of the events app: take ids, call a service, safe to run twice."""

from __future__ import annotations

import smtplib

from celery import shared_task

from events.services import mail

# Errors worth another try: the mail server refused or was unreachable.
MAIL_RETRY_ON = (smtplib.SMTPException, OSError, ConnectionError, TimeoutError)


@shared_task(name="events.tasks.mail_send", bind=True, autoretry_for=MAIL_RETRY_ON,
             retry_backoff=30, retry_backoff_max=3600, retry_jitter=True, max_retries=6,
             acks_late=True)
def mail_send(self, mail_id: int) -> str:
    """Send one member's mail (one task per recipient); retried with backoff."""
    return mail.mail_send(mail_id=mail_id)


@shared_task(name="events.tasks.reminders_queue")
def reminders_queue() -> int:
    """Beat: queue the day-before reminders (once per member and event)."""
    return mail.mail_reminders_queue()


@shared_task(name="events.tasks.mails_resend_unsent")
def mails_resend_unsent() -> int:
    """Beat: queue again mails whose task never reached the broker."""
    return mail.mails_resend_unsent()
