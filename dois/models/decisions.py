"""Decisions on photos (append-only), encounters and the volunteers' daily digests."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dois.models.catalogue import Individual
from dois.models.photos import Photo, Sighting

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
