"""One email to one member, sent by its own task."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models.events import Event


class Mail(models.Model):
    """One email to one member, sent by its own Celery task (``events.tasks.mail_send``).

    The row is written in the transaction that causes the mail, and the task is queued
    when that transaction commits. The task renders the mail in the member's language
    when it runs and records ``sent_at``, so running it twice sends once. A cancellation
    and a reminder exist at most once per member and event.
    """

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("RSVP confirmation")
        WAITLISTED = "waitlisted", _("On the waitlist")
        PROMOTED = "promoted", _("A seat became free")
        REMINDER = "reminder", _("Reminder the day before")
        CANCELLED = "cancelled", _("Event cancelled")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("Talk proposal accepted")
        PROPOSAL_DECLINED = "proposal_declined", _("Talk proposal declined")
        PROPOSAL_RECEIVED = "proposal_received", _("New talk proposal")

    ONCE_PER_EVENT = (Kind.CANCELLED, Kind.REMINDER)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="event_mails", verbose_name=_("member"))
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="mails",
                              verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    proposal = models.ForeignKey("TalkProposal", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="mails")
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user", "kind"], condition=Q(kind__in=["cancelled", "reminder"]),
                name="events_mail_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user} ({self.event})"
