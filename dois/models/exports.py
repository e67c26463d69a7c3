"""Data exports made by a task."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.files import RandomName


class ExportRun(models.Model):
    """A data export made by a task (:mod:`dois.services.exports`); its file is stored
    under an unguessable name and downloaded through a view that checks permissions."""

    class Kind(models.TextChoices):
        CAPTURE_CSV = "capture_csv", _("Capture histories (CSV)")
        CAPTURE_INP = "capture_inp", _("Capture histories (Program MARK .inp)")
        SIGHTINGS_CSV = "sightings_csv", _("Sightings with exact coordinates (CSV)")
        DWCA = "dwca", _("Darwin Core Archive (occurrences and multimedia)")
        DATASET = "dataset", _("Dataset for notebooks (zip)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
        on_delete=models.SET_NULL, related_name="dois_exports",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    file = models.FileField(_("file"), upload_to=RandomName("dois/exports"), blank=True)
    filename = models.CharField(_("download name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True,
                             help_text=_("A plain reason (details go to the worker's log)."))

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.pk} {self.kind} ({self.status})"
