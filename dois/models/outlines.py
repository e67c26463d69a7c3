"""Fin outlines (issue 13): traced by a machine or drawn by a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dois.models.photos import Photo

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
