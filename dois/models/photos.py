"""Sightings, their photos and the corrections made to a photo."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.files import RandomName
from dois.models.catalogue import Individual

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
