"""Members' answers: on site or online, with guests, going or waiting."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models.events import Event


class RSVP(models.Model):
    class Mode(models.TextChoices):
        ONSITE = "onsite", _("On site")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        GOING = "going", _("Going")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps",
                              verbose_name=_("event"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="rsvps", verbose_name=_("member"))
    mode = models.CharField(_("attends"), max_length=10, choices=Mode.choices,
                            default=Mode.ONSITE)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    guests = models.PositiveSmallIntegerField(
        _("guests"), default=0, help_text=_("People the member brings on site (+N)."))
    wants_onsite = models.BooleanField(
        _("waiting for a seat"), default=False,
        help_text=_("Going online and waiting for a seat on site: the seat is given when "
                    "one becomes free, in waitlist order."))
    language = models.CharField(
        _("language"), max_length=10, blank=True,
        help_text=_("The site's language when the member answered (for email when the "
                    "member has not chosen one)."))
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True, null=True)
    waitlisted_at = models.DateTimeField(_("joined the waitlist at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="events_rsvp_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.event} ({self.status})"

    @property
    def seats(self) -> int:
        """Seats this answer takes on site when going: the member and their guests."""
        return 1 + self.guests

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED
