"""The catalogue: individuals, their numbering and their merges."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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
