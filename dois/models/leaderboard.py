"""The model leaderboard: evaluation split versions and members' submissions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.files import RandomName
from dois.models.identification import ModelVersion

# --- the model leaderboard (members' submissions) -------------------------------------


class EvalSplitVersion(models.Model):
    """One state of the leaderboard's evaluation set (the frozen split's photos, the
    gallery they are ranked against and the held-out individuals), by its digest.

    A new version is recorded whenever the set differs from the latest version's (a
    confirmation, a merge, a crop edit); the latest is the current one. Every board row
    says which version its figures come from, and rows on an older version are evaluated
    again (:mod:`dois.services.leaderboard`).
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    digest = models.CharField(_("digest"), max_length=64, db_index=True)
    queries = models.PositiveIntegerField(_("evaluation photos"), default=0)
    gallery = models.PositiveIntegerField(_("gallery photos"), default=0)
    individuals = models.PositiveIntegerField(_("individuals"), default=0)
    held_out = models.PositiveIntegerField(_("held-out individuals"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation split version")
        verbose_name_plural = _("evaluation split versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class Submission(models.Model):
    """A model on the leaderboard: a member's TFLite embedder, or the active model's row.

    The file is stored under an unguessable name and is never served; only its figures
    are public (for a member's submission: once it is done).
    """

    class Kind(models.TextChoices):
        MEMBER = "member", _("Member's submission")
        ACTIVE_MODEL = "active_model", _("Active model")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices,
                            default=Kind.MEMBER)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="dois_submissions",
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    notebook_url = models.URLField(_("notebook link"), max_length=500, blank=True)
    file = models.FileField(_("model file"), upload_to=RandomName("dois/submissions"),
                            blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    spec = models.JSONField(_("input and output"), default=dict, blank=True)
    model_version = models.ForeignKey(
        ModelVersion, verbose_name=_("model version evaluated"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="board_rows",
        help_text=_("For the active model's row: the version it evaluates."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True,
                             help_text=_("A plain reason for people, never a path."))
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    split = models.ForeignKey(
        EvalSplitVersion, verbose_name=_("evaluated on split"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="submissions",
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent to the queue at"), null=True, blank=True)
    started_at = models.DateTimeField(_("evaluation started at"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    promoted_version = models.ForeignKey(
        ModelVersion, verbose_name=_("promoted to model version"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="promoted_from",
    )
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("promoted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    promoted_at = models.DateTimeField(_("promoted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("leaderboard submission")
        verbose_name_plural = _("leaderboard submissions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["model_version"],
                                    condition=Q(kind="active_model"),
                                    name="dois_one_board_row_per_version"),
        ]
        permissions = [
            ("submit_model", _("Can submit models to the leaderboard")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("dois:leaderboard_submission", kwargs={"pk": self.pk})
