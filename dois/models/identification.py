"""Identification: model versions, embeddings, jobs and their candidates, training runs."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dois.models.catalogue import Individual
from dois.models.photos import Photo

# --- model versions, embeddings, jobs, training ---------------------------------------


class ModelVersion(models.Model):
    """An identification method version: the fin-outline (edge) method or a trained
    whole-crop embedding model (appearance). At most one is active.

    For the edge method ``name`` is the method string (``edge-1/outline-1+fin-segmenter-1``:
    matching and tracing versions), ``file_path`` the segmenter and ``embedding_dim`` the
    shortlist vector's size; a new string is a new version, and activating it re-traces
    the gallery first.
    """

    class Kind(models.TextChoices):
        EDGE = "edge", _("Fin outline (trailing edge)")
        APPEARANCE = "appearance", _("Whole-crop appearance")

    class State(models.TextChoices):
        READY = "ready", _("Ready")
        EMBEDDING_GALLERY = "embedding_gallery", _("Embedding the gallery")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("method"), max_length=12, choices=Kind.choices,
                            default=Kind.APPEARANCE)
    file_path = models.CharField(_("model file"), max_length=500,
                                 help_text=_("Relative to the project or absolute."))
    embedding_dim = models.PositiveIntegerField(_("embedding size"))
    input_size = models.PositiveIntegerField(_("input size"))
    threshold = models.FloatField(_("new-individual threshold"))
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("activated by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.READY)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True),
                                    name="dois_one_active_model"),
        ]
        permissions = [
            ("train_model", _("Can train model versions")),
            ("activate_model", _("Can activate a model version")),
        ]

    def __str__(self) -> str:
        return self.name


class Embedding(models.Model):
    # db_index=False here and below: the unique constraint's index starts with this
    # column and serves its lookups; a second index only slows every write down.
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="embeddings",
                              db_index=False)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE,
                                      related_name="embeddings")
    vector = models.BinaryField(_("vector (float32 bytes)"),
                                help_text=_("Empty for a photo without a usable outline "
                                            "(edge method): processed, not searchable."))
    edge = models.BinaryField(
        _("canonical trailing edge (float32 bytes)"), null=True, blank=True,
        help_text=_("Edge method only: 64 x 2 points from the tip (0, 0) down."))
    outline = models.ForeignKey(
        "dois.Outline", verbose_name=_("outline"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Edge method only: the outline the edge was taken from."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("embedding")
        verbose_name_plural = _("embeddings")
        constraints = [
            models.UniqueConstraint(fields=["photo", "model_version"],
                                    name="dois_embedding_once"),
        ]

    def __str__(self) -> str:
        return f"embedding of photo {self.photo_id} ({self.model_version_id})"


class IdentificationJob(models.Model):
    """The truth about one identification: the broker only carries its id."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class ErrorCode(models.TextChoices):
        """Why a job failed; the label is what users are shown (never ``error``)."""

        NONE = "", _("No error")
        MODEL_UNAVAILABLE = "model_unavailable", _(
            "The identification model could not be loaded. The job runs again "
            "automatically once the model is back.")
        PHOTO_MISSING = "photo_missing", _("The photo's file is missing on the server.")
        PHOTO_UNREADABLE = "photo_unreadable", _("The photo could not be read as an image.")
        PHOTO_NO_FIN = "photo_no_fin", _(
            "The fin box is empty or too small to find a fin in it.")
        WORKER_LOST = "worker_lost", _(
            "The worker stopped or timed out on every attempt.")
        INTERNAL = "internal", _("Identification failed because of an error on the server.")
        SUPERSEDED = "superseded", _(
            "The photo was corrected before this job ran; a newer job identifies it.")

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="jobs",
                              db_index=False)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT,
                                      related_name="jobs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True,
                             help_text=_("For operators: a plain reason, never a path or a "
                                         "traceback (those go to the worker's log)."))
    error_code = models.CharField(_("error code"), max_length=20, blank=True,
                                  choices=ErrorCode.choices, default=ErrorCode.NONE)
    model_requeues = models.PositiveSmallIntegerField(
        _("re-queued after a model outage"), default=0,
        help_text=_("How often the sweep re-queued this job after it failed because the "
                    "model was unavailable (bounded)."))
    new_individual_probability = models.FloatField(_("new-individual probability"),
                                                   null=True, blank=True)
    timings = models.JSONField(_("timings"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent to the broker at"), null=True, blank=True)
    revision = models.PositiveIntegerField(
        _("photo revision"), default=0,
        help_text=_("The photo's revision (box, side, guess) this job identifies."))
    outline = models.ForeignKey(
        "dois.Outline", verbose_name=_("outline used"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")
    outline_reason = models.CharField(
        _("no usable outline"), max_length=20, blank=True,
        help_text=_("Edge method: why the photo had no usable outline (the job is done "
                    "without candidates and the photo goes to a person); empty when it "
                    "had one."))

    class Meta:
        verbose_name = _("identification job")
        verbose_name_plural = _("identification jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["photo", "model_version", "revision"],
                                    name="dois_job_once_per_version_revision"),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.status})"


class Candidate(models.Model):
    job = models.ForeignKey(IdentificationJob, on_delete=models.CASCADE,
                            related_name="candidates", db_index=False)
    individual = models.ForeignKey(Individual, on_delete=models.CASCADE,
                                   related_name="candidacies")
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    photo = models.ForeignKey(
        Photo, verbose_name=_("best matching reference photo"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["job", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["job", "rank"], name="dois_candidate_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.individual_id} ({self.score:.3f})"


class TrainingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
        on_delete=models.SET_NULL, related_name="dois_training_runs",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    progress = models.FloatField(
        _("progress"), default=0.0, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    log = models.TextField(_("log"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    model_version = models.ForeignKey(
        ModelVersion, verbose_name=_("model version produced"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="training_runs",
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"training run {self.pk} ({self.status})"
