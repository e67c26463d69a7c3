"""Venues, with the history their edits keep."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class VenueQuerySet(models.QuerySet):
    def current(self) -> VenueQuerySet:
        """Venues an event can pick: not replaced by a newer version or merged away."""
        return self.filter(replaced_by__isnull=True)


class Venue(models.Model):
    """A place where events happen, with its own page.

    An edit never rewrites history: when a venue that past events used is edited, the
    edit is saved as a new venue (``replaced_by`` links the old row to it) and only the
    events that have not ended move to it; the past events keep the row they had. A
    merge works the same way (see :mod:`events.services.venues`).
    """

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6,
                                   null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6,
                                    null=True, blank=True)
    directions = models.TextField(_("transit directions"), blank=True,
                                  help_text=_("Markdown."))
    map_url = models.URLField(_("map link"), blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="earlier",
        verbose_name=_("replaced by"),
        help_text=_("The newer version of this venue; past events keep this one."))
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    objects = VenueQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:venue", kwargs={"pk": self.pk})

    @property
    def is_current(self) -> bool:
        return self.replaced_by_id is None

    @property
    def map_link(self) -> str:
        """The organiser's map link, or an OpenStreetMap link to the coordinates."""
        if self.map_url:
            return self.map_url
        if self.latitude is not None and self.longitude is not None:
            return (f"https://www.openstreetmap.org/?mlat={self.latitude}"
                    f"&mlon={self.longitude}#map=17/{self.latitude}/{self.longitude}")
        return ""
