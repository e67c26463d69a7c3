"""The DoIs data model: the catalogue, sightings, photos, decisions and the job side.

Business rules live in :mod:`dois.services`; reads in :mod:`dois.selectors`. Models hold
data, choices, constraints, QuerySet helpers and URLs only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.files import RandomName

# --- catalogue ------------------------------------------------------------------------


class CatalogueCounter(models.Model):
    """The last catalogue number given for a prefix (locked row: safe under concurrency)."""

    prefix = models.CharField(_("prefix"), max_length=10, unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("catalogue counter")
        verbose_name_plural = _("catalogue counters")

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_number}"


class IndividualQuerySet(models.QuerySet):
    def listed(self) -> IndividualQuerySet:
        """Individuals shown in the catalogue: not merged into another, not withdrawn."""
        return self.exclude(status__in=[Individual.Status.MERGED, Individual.Status.WITHDRAWN])


class Individual(models.Model):
    """One dolphin of the catalogue, known by its code (e.g. ``PRE-0042``)."""

    class Sex(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PRESUMED_DEAD = "presumed_dead", _("Presumed dead")
        MERGED = "merged", _("Merged into another individual")
        # the decision that created it was undone and no photo shows it: kept (codes and
        # decisions point at it) but hidden from the public catalogue
        WITHDRAWN = "withdrawn", _("Withdrawn")

    code = models.CharField(_("catalogue code"), max_length=20, unique=True)
    prefix = models.CharField(_("prefix"), max_length=10)
    number = models.PositiveIntegerField(_("number"))
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    first_seen = models.DateField(_("first sighting"), null=True, blank=True)
    last_seen = models.DateField(_("last sighting"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="merged_from",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    objects = IndividualQuerySet.as_manager()

    class Meta:
        verbose_name = _("individual")
        verbose_name_plural = _("individuals")
        ordering = ["prefix", "number"]
        constraints = [
            models.UniqueConstraint(fields=["prefix", "number"], name="dois_individual_number"),
        ]
        permissions = [
            ("curate_catalogue", _("Can curate the catalogue (edit, merge individuals)")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.nickname}".strip()

    def get_absolute_url(self) -> str:
        return reverse("dois:individual", kwargs={"code": self.code})


# --- sightings and photos -------------------------------------------------------------


class Sighting(models.Model):
    """One encounter with dolphins on a survey trip."""

    observed_at = models.DateTimeField(_("date and time"))
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    area = models.CharField(_("area name"), max_length=200, blank=True)
    trip = models.CharField(_("trip or vessel"), max_length=200, blank=True)
    observers = models.CharField(_("observers"), max_length=500, blank=True)
    group_size = models.PositiveIntegerField(_("group size"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="dois_sightings",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sighting")
        verbose_name_plural = _("sightings")
        ordering = ["-observed_at"]

    def __str__(self) -> str:
        return f"{self.observed_at:%Y-%m-%d %H:%M} {self.area}".strip()


class PhotoQuerySet(models.QuerySet):
    def gallery(self) -> PhotoQuerySet:
        """Reference photos: confirmed as (or founding) an individual."""
        return self.filter(
            state__in=[Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL],
            individual__isnull=False,
        )

    def awaiting_review(self) -> PhotoQuerySet:
        return self.filter(state__in=[Photo.State.SUBMITTED, Photo.State.IDENTIFIED])


class Photo(models.Model):
    """A field photo of a dorsal fin. The original file is kept exactly as uploaded.

    The original (with its EXIF, exact GPS included) is stored under an unguessable name
    and goes out only through the researchers' ``dois:photo_original`` view; everyone
    else sees EXIF-free renderings (``dois:photo_image``) of the photos they may see.
    """

    class Side(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        LEFT = "left", _("Left")
        RIGHT = "right", _("Right")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IDENTIFIED = "identified", _("Identified by the model")
        CONFIRMED = "confirmed", _("Confirmed")
        NEW_INDIVIDUAL = "new_individual", _("New individual")
        UNUSABLE = "unusable", _("Unusable")

    class Split(models.TextChoices):
        TRAIN = "train", _("Training")
        EVAL = "eval", _("Evaluation")

    sighting = models.ForeignKey(
        Sighting, verbose_name=_("sighting"), on_delete=models.PROTECT, related_name="photos"
    )
    original = models.FileField(_("original file"), upload_to=RandomName("dois/originals"))
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    crop_x = models.PositiveIntegerField(_("crop left"), default=0)
    crop_y = models.PositiveIntegerField(_("crop top"), default=0)
    crop_w = models.PositiveIntegerField(_("crop width"))
    crop_h = models.PositiveIntegerField(_("crop height"))
    side = models.CharField(_("side"), max_length=10, choices=Side.choices,
                            default=Side.UNKNOWN)
    quality = models.PositiveSmallIntegerField(
        _("quality grade"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (poor) to 5 (excellent)."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
        on_delete=models.SET_NULL, related_name="dois_photos",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    exif_taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    exif_latitude = models.FloatField(_("latitude (EXIF)"), null=True, blank=True)
    exif_longitude = models.FloatField(_("longitude (EXIF)"), null=True, blank=True)
    proposed_individual = models.ForeignKey(
        Individual, verbose_name=_("volunteer's guess"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="proposed_photos",
        help_text=_("Empty: the volunteer does not know."),
    )
    individual = models.ForeignKey(
        Individual, verbose_name=_("individual"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="photos",
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices,
                             default=State.SUBMITTED)
    split = models.CharField(_("split"), max_length=5, choices=Split.choices)
    is_public = models.BooleanField(_("public"), default=True)
    revision = models.PositiveIntegerField(
        _("revision"), default=0,
        help_text=_("Goes up by one with each correction of the box, side or guess "
                    "(PhotoEdit); each revision is identified by its own job."))

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["state", "uploaded_at"])]
        permissions = [
            ("submit_photo", _("Can submit photos")),
            ("review_photo", _("Can review photos and decide identifications")),
            ("view_exact_location", _("Can see exact locations and original files")),
            ("export_data", _("Can export capture histories and datasets")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def crop_box(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) in pixels of the original."""
        return (self.crop_x, self.crop_y, self.crop_x + self.crop_w, self.crop_y + self.crop_h)


# --- decisions ------------------------------------------------------------------------


class Encounter(models.Model):
    """Photos of one sighting that a researcher decided together as one animal.

    Each photo still gets its own :class:`Decision` row, which points here; undoing one
    of them undoes the encounter's decisions together.
    """

    sighting = models.ForeignKey(Sighting, verbose_name=_("sighting"),
                                 on_delete=models.PROTECT, related_name="encounters")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("grouped by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"encounter {self.pk} of sighting {self.sighting_id}"


class Decision(models.Model):
    """Append-only: what a researcher decided for a photo. Never updated or deleted."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("This individual")
        NEW_INDIVIDUAL = "new_individual", _("New individual")
        UNUSABLE = "unusable", _("Unusable")
        UNDO = "undo", _("Undo")

    photo = models.ForeignKey(Photo, verbose_name=_("photo"), on_delete=models.PROTECT,
                              related_name="decisions")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    individual = models.ForeignKey(
        Individual, verbose_name=_("individual"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="decisions",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True,
        on_delete=models.SET_NULL, related_name="dois_decisions",
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    model_version = models.ForeignKey(
        "dois.ModelVersion", verbose_name=_("model version"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="decisions",
    )
    candidate_rank = models.PositiveSmallIntegerField(_("candidate rank"), null=True,
                                                      blank=True)
    state_before = models.CharField(_("state before"), max_length=20,
                                    choices=Photo.State.choices)
    individual_before = models.ForeignKey(
        Individual, verbose_name=_("individual before"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    state_after = models.CharField(_("state after"), max_length=20,
                                   choices=Photo.State.choices)
    undoes = models.OneToOneField(
        "self", verbose_name=_("undoes"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="undone_by",
    )
    note = models.TextField(_("note"), blank=True)
    quality = models.PositiveSmallIntegerField(
        _("quality grade given"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("The grade the researcher set with this decision (empty: unchanged)."),
    )
    side = models.CharField(_("side given"), max_length=10, choices=Photo.Side.choices,
                            blank=True,
                            help_text=_("The side the researcher set with this decision "
                                        "(empty: unchanged)."))
    encounter = models.ForeignKey(
        Encounter, verbose_name=_("encounter"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="decisions",
        help_text=_("Set when the photo was decided together with others of its sighting."))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at", "-id"]
        get_latest_by = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.photo_id}: {self.action}"


class PhotoEdit(models.Model):
    """Append-only: one correction of a photo's box, side or guess, before and after.

    Each edit raises ``Photo.revision`` and records the job that identifies the new
    revision. Never updated or deleted.
    """

    photo = models.ForeignKey(Photo, verbose_name=_("photo"), on_delete=models.PROTECT,
                              related_name="edits")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("edited by"), null=True,
        on_delete=models.SET_NULL, related_name="dois_photo_edits",
    )
    edited_at = models.DateTimeField(_("edited at"), auto_now_add=True)
    revision = models.PositiveIntegerField(_("revision after the edit"))
    crop_before = models.JSONField(_("crop box before"), help_text=_("[x, y, w, h] in pixels"))
    crop_after = models.JSONField(_("crop box after"), help_text=_("[x, y, w, h] in pixels"))
    side_before = models.CharField(_("side before"), max_length=10,
                                   choices=Photo.Side.choices)
    side_after = models.CharField(_("side after"), max_length=10,
                                  choices=Photo.Side.choices)
    guess_before = models.ForeignKey(
        Individual, verbose_name=_("guess before"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    guess_after = models.ForeignKey(
        Individual, verbose_name=_("guess after"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    job = models.ForeignKey(
        "dois.IdentificationJob", verbose_name=_("identification job"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    outline = models.ForeignKey(
        "dois.Outline", verbose_name=_("outline made"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Set when the correction was of the fin's outline (issue 13)."))
    outline_action = models.CharField(
        _("outline correction"), max_length=10, blank=True,
        choices=[("accept", _("Outline accepted")), ("move", _("Tip or ends moved")),
                 ("redraw", _("Trailing edge redrawn"))])

    class Meta:
        verbose_name = _("photo correction")
        verbose_name_plural = _("photo corrections")
        ordering = ["-edited_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["photo", "revision"], name="dois_photo_edit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.photo_id} r{self.revision}"


class IndividualMerge(models.Model):
    """Append-only: ``source`` merged into ``target``, or the split that undid a merge.

    A merge records what it moved (photo ids, guesses, individuals that pointed at the
    source) so a split can put exactly that back. Never updated or deleted.
    """

    class Action(models.TextChoices):
        MERGE = "merge", _("Merge")
        SPLIT = "split", _("Split")

    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    source = models.ForeignKey(Individual, verbose_name=_("merged individual"),
                               on_delete=models.PROTECT, related_name="merges_as_source")
    target = models.ForeignKey(Individual, verbose_name=_("merged into"),
                               on_delete=models.PROTECT, related_name="merges_as_target")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), auto_now_add=True)
    photos = models.JSONField(_("photos moved"), default=list, blank=True)
    guesses = models.JSONField(_("guesses moved"), default=list, blank=True,
                               help_text=_("Ids of photos whose volunteer's guess moved."))
    redirected = models.JSONField(
        _("individuals redirected"), default=list, blank=True,
        help_text=_("Ids of individuals merged into the source earlier, now pointing at "
                    "the target."))
    status_before = models.CharField(_("status before"), max_length=20,
                                     choices=Individual.Status.choices, blank=True)
    undoes = models.OneToOneField(
        "self", verbose_name=_("undoes"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="undone_by",
    )

    class Meta:
        verbose_name = _("merge or split")
        verbose_name_plural = _("merges and splits")
        ordering = ["-done_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.source_id} -> {self.target_id}"


class DecisionDigest(models.Model):
    """The one email a day that tells a volunteer what researchers decided on their
    photos (:mod:`dois.services.digests`). One row per member and local day; ``upto``
    is the newest decision it covered, so the next digest starts after it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("member"),
                             on_delete=models.CASCADE, related_name="dois_digests")
    day = models.DateField(_("day"))
    upto = models.PositiveBigIntegerField(_("newest decision covered"))
    decisions = models.PositiveIntegerField(_("decisions"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("decision digest")
        verbose_name_plural = _("decision digests")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="dois_one_digest_a_day"),
        ]

    def __str__(self) -> str:
        return f"digest {self.user_id} {self.day}"


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


# --- fin outlines (issue 13) -----------------------------------------------------------


class Outline(models.Model):
    """One version of a photo's fin outline, traced by the machine or made by a person.

    Append-only. ``data`` is :meth:`dois.ml.outline.Outline.to_dict` (points in pixels of
    the crop as it was traced: ``data["image_size"]``), made on the crop box
    ``crop_x``..``crop_h`` of the original; a new box makes the outline stale. The
    photo's current outline is its latest person-made one on its current box, else the
    machine's for the current method (:func:`dois.selectors.outlines.outline_current`).
    """

    class MadeBy(models.TextChoices):
        MACHINE = "machine", _("Machine")
        PERSON = "person", _("Person")

    class Reason(models.TextChoices):
        """The tracer's reasons (``dois.ml.outline.REASONS``), translated."""

        OK = "ok", _("Outline found")
        NO_FIN = "no_fin", _("No fin found in the crop")
        EDGE_TOO_SHORT = "edge_too_short", _(
            "The visible trailing edge is too short to compare")
        TIP_CUT = "tip_cut", _("The crop cuts off the fin's tip")
        LOW_CONFIDENCE = "low_confidence", _("The fin's outline is unclear")
        BAD_IMAGE = "bad_image", _("The image is empty or not a colour photo")

    class Action(models.TextChoices):
        ACCEPT = "accept", _("Outline accepted")
        MOVE = "move", _("Tip or ends moved")
        REDRAW = "redraw", _("Trailing edge redrawn")

    photo = models.ForeignKey(Photo, verbose_name=_("photo"), on_delete=models.CASCADE,
                              related_name="outlines", db_index=False)
    crop_x = models.PositiveIntegerField(_("crop left"))
    crop_y = models.PositiveIntegerField(_("crop top"))
    crop_w = models.PositiveIntegerField(_("crop width"))
    crop_h = models.PositiveIntegerField(_("crop height"))
    data = models.JSONField(_("outline"), help_text=_(
        "Points, tip, ends, facing, confidence (dois.ml.outline.Outline.to_dict)."))
    made_by = models.CharField(_("made by"), max_length=10, choices=MadeBy.choices)
    action = models.CharField(_("correction"), max_length=10, choices=Action.choices,
                              blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("corrected by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="dois_outlines")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    method = models.CharField(_("tracing method"), max_length=100, help_text=_(
        "The tracer's version (for a person's outline: of the outline corrected)."))
    model_version = models.ForeignKey(
        "dois.ModelVersion", verbose_name=_("method version"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField(_("confidence"), default=0.0)
    ok = models.BooleanField(_("usable"), default=False)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices,
                              default=Reason.OK)
    based_on = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("fin outline")
        verbose_name_plural = _("fin outlines")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["photo", "made_by", "created_at"],
                                name="dois_outline_photo")]
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "method", "crop_x", "crop_y", "crop_w", "crop_h"],
                condition=Q(made_by="machine"), name="dois_machine_outline_once"),
        ]

    def __str__(self) -> str:
        return f"outline {self.pk} of photo {self.photo_id} ({self.made_by})"

    @property
    def crop(self) -> tuple[int, int, int, int]:
        """(x, y, w, h) of the original the points were made on."""
        return (self.crop_x, self.crop_y, self.crop_w, self.crop_h)


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
