"""Writes of the DoIs catalogue: individuals (numbers, merges and splits) and sightings.

Functions are keyword-only and named ``<thing>_<action>``. They check permissions
themselves (``PermissionDenied``) and raise ``ValidationError`` for bad input, so views,
the API and commands can share them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from common.permissions import Actor, perm_require
from dois.models import CatalogueCounter, Decision, Individual, IndividualMerge, Photo, Sighting

logger = logging.getLogger(__name__)


EVAL_PERCENT = 20


# --- individuals ----------------------------------------------------------------------


def individual_number_allocate(*, prefix: str) -> int:
    """The next number for ``prefix``; the counter row is locked until the commit."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                CatalogueCounter.objects.get_or_create(prefix=prefix)
        except IntegrityError:  # created concurrently by another transaction
            pass
        counter = CatalogueCounter.objects.select_for_update().get(prefix=prefix)
        highest = Individual.objects.filter(prefix=prefix).aggregate(n=Max("number"))["n"]
        counter.last_number = max(counter.last_number, highest or 0) + 1
        counter.save(update_fields=["last_number"])
        return counter.last_number


def individual_create(*, actor: Actor | None = None, nickname: str = "",
                      sex: str = Individual.Sex.UNKNOWN, notes: str = "",
                      prefix: str | None = None) -> Individual:
    """A new catalogue entry with the next code, e.g. ``PRE-0042``."""
    prefix = prefix or settings.DOIS_CATALOGUE_PREFIX
    with transaction.atomic():
        number = individual_number_allocate(prefix=prefix)
        return Individual.objects.create(
            code=f"{prefix}-{number:04d}", prefix=prefix, number=number,
            nickname=nickname, sex=sex, notes=notes, created_by=actor,
        )


def individual_update(*, individual: Individual, actor: Actor, nickname: str, sex: str,
                      status: str, notes: str) -> Individual:
    """A researcher's curation of one catalogue entry: nickname, sex, status, notes.

    Merged individuals are not edited (edit the one they were merged into); ``merged``
    is set by :func:`individual_merge` only and ``withdrawn`` by undoing the decision
    that created the individual (:func:`decision_record`), though a withdrawn
    individual may be set back to active or presumed dead here.
    """
    perm_require(user=actor, perm="dois.curate_catalogue")
    with transaction.atomic():
        individual = Individual.objects.select_for_update().get(pk=individual.pk)
        if individual.status == Individual.Status.MERGED:
            raise ValidationError(_("%(code)s was merged into another individual; edit "
                                    "that one.") % {"code": individual.code})
        if status == Individual.Status.MERGED:
            raise ValidationError({"status": _("Use merge to merge individuals.")})
        if (status == Individual.Status.WITHDRAWN
                and individual.status != Individual.Status.WITHDRAWN):
            raise ValidationError({"status": _(
                "An individual is withdrawn only by undoing the decision that created "
                "it.")})
        individual.nickname, individual.sex, individual.status, individual.notes = (
            nickname.strip(), sex, status, notes.strip())
        individual.full_clean()
        individual.save(update_fields=["nickname", "sex", "status", "notes"])
    return individual


def individual_withdraw_if_orphaned(*, individual: Individual) -> bool:
    """Withdraw an individual whose founding decision was undone and that no photo shows.

    Called inside :func:`decision_record`'s transaction after an undo. The row is kept
    (decisions and candidates point at it; codes are never reused) but leaves the
    public catalogue. Individuals that were not created by a decision (imported,
    demo) and merged ones are left alone. Returns whether it was withdrawn.
    """
    individual = Individual.objects.select_for_update().get(pk=individual.pk)
    if individual.status in (Individual.Status.MERGED, Individual.Status.WITHDRAWN):
        return False
    if Photo.objects.filter(individual=individual).exists():
        return False
    founded = Decision.objects.filter(individual=individual,
                                      action=Decision.Action.NEW_INDIVIDUAL)
    if not founded.exists() or founded.filter(undone_by__isnull=True).exists():
        return False
    note = _("Withdrawn on %(date)s: the decision that created it was undone and no "
             "photo shows it.") % {"date": timezone.localdate().isoformat()}
    individual.status = Individual.Status.WITHDRAWN
    individual.notes = f"{individual.notes}\n{note}".strip()
    individual.save(update_fields=["status", "notes"])
    return True


def individual_seen_refresh(*, individual: Individual) -> Individual:
    """First and last sighting dates from the individual's reference photos."""
    dates = Photo.objects.gallery().filter(individual=individual).aggregate(
        first=Min("sighting__observed_at"), last=Max("sighting__observed_at"))
    individual.first_seen = timezone.localdate(dates["first"]) if dates["first"] else None
    individual.last_seen = timezone.localdate(dates["last"]) if dates["last"] else None
    individual.save(update_fields=["first_seen", "last_seen"])
    return individual


def individual_resolve(*, individual: Individual) -> Individual:
    """Follow merges to the surviving individual."""
    seen = set()
    individual = Individual.objects.select_related("merged_into").get(pk=individual.pk)
    while individual.merged_into_id and individual.pk not in seen:
        seen.add(individual.pk)
        individual = individual.merged_into
    return individual


def _individuals_lock(*pks: int) -> dict[int, Individual]:
    """Lock individuals' rows in primary-key order (two merges of the same pair in
    opposite directions then wait for each other instead of deadlocking)."""
    rows = Individual.objects.select_for_update().filter(pk__in=set(pks)).order_by("pk")
    return {row.pk: row for row in rows}


def individual_merge(*, source: Individual, target: Individual, actor: Actor) -> Individual:
    """Merge ``source`` into ``target``: photos move, decisions stay, a redirect remains.

    What moved is recorded in an :class:`IndividualMerge` row (append-only), so
    :func:`individual_split` can put exactly that back.
    """
    perm_require(user=actor, perm="dois.curate_catalogue")
    with transaction.atomic():
        if source.pk == target.pk:
            raise ValidationError(_("An individual cannot be merged into itself."))
        locked = _individuals_lock(source.pk, target.pk)
        source, target = locked[source.pk], locked[target.pk]
        if Individual.Status.MERGED in (source.status, target.status):
            raise ValidationError(_("This individual was already merged."))
        moved = list(Photo.objects.filter(individual=source).order_by("pk")
                     .values_list("pk", flat=True))
        guesses = list(Photo.objects.filter(proposed_individual=source).order_by("pk")
                       .values_list("pk", flat=True))
        redirected = list(Individual.objects.filter(merged_into=source).order_by("pk")
                          .values_list("pk", flat=True))
        Photo.objects.filter(pk__in=moved).update(individual=target)
        Photo.objects.filter(pk__in=guesses).update(proposed_individual=target)
        Individual.objects.filter(pk__in=redirected).update(merged_into=target)
        IndividualMerge.objects.create(
            action=IndividualMerge.Action.MERGE, source=source, target=target, done_by=actor,
            photos=moved, guesses=guesses, redirected=redirected,
            status_before=source.status)
        status_before = source.status
        source.status = Individual.Status.MERGED
        source.merged_into = target
        note = _("Merged into %(code)s on %(date)s.") % {
            "code": target.code, "date": timezone.localdate().isoformat()}
        source.notes = f"{source.notes}\n{note}".strip()
        source.save(update_fields=["status", "merged_into", "notes"])
        individual_seen_refresh(individual=target)
        individual_seen_refresh(individual=source)
        logger.info("individual %s (%s) merged into %s", source.code, status_before,
                    target.code)
    return target


def individual_merge_in_force(*, source: Individual) -> IndividualMerge | None:
    """The merge that made ``source`` a redirect, if it was not split since."""
    return (IndividualMerge.objects.filter(source=source, action=IndividualMerge.Action.MERGE,
                                           undone_by__isnull=True)
            .select_related("target").order_by("-done_at", "-id").first())


def individual_split(*, source: Individual, actor: Actor) -> IndividualMerge:
    """Undo the merge of ``source``: it is an individual of its own again.

    The photos the merge moved go back to ``source`` (those a later decision gave to
    another individual stay where they are), so do the volunteers' guesses and the
    individuals that pointed at ``source``; its decisions, which always named it, are
    again in force. The split is recorded as an :class:`IndividualMerge` row that
    undoes the merge (append-only). A merge into an individual that was itself merged
    later is split after that one (last merged, first split).
    """
    perm_require(user=actor, perm="dois.curate_catalogue")
    with transaction.atomic():
        merge = individual_merge_in_force(source=source)
        if merge is None:
            raise ValidationError(_("%(code)s is not merged into another individual.")
                                  % {"code": source.code})
        locked = _individuals_lock(merge.source_id, merge.target_id)
        source, target = locked[merge.source_id], locked[merge.target_id]
        if target.status == Individual.Status.MERGED:
            raise ValidationError(_(
                "%(target)s was itself merged into another individual afterwards: split "
                "%(target)s first.") % {"target": target.code})
        if source.status != Individual.Status.MERGED or source.merged_into_id != target.pk:
            raise ValidationError(_("%(code)s is not merged into %(target)s.")
                                  % {"code": source.code, "target": target.code})
        back = list(Photo.objects.filter(pk__in=merge.photos, individual=target)
                    .values_list("pk", flat=True))
        Photo.objects.filter(pk__in=back).update(individual=source)
        Photo.objects.filter(pk__in=merge.guesses, proposed_individual=target).update(
            proposed_individual=source)
        Individual.objects.filter(pk__in=merge.redirected, merged_into=target).update(
            merged_into=source)
        split = IndividualMerge.objects.create(
            action=IndividualMerge.Action.SPLIT, source=source, target=target, done_by=actor,
            photos=sorted(back), undoes=merge, status_before=source.status)
        source.status = merge.status_before or Individual.Status.ACTIVE
        source.merged_into = None
        note = _("Split from %(code)s on %(date)s.") % {
            "code": target.code, "date": timezone.localdate().isoformat()}
        source.notes = f"{source.notes}\n{note}".strip()
        source.save(update_fields=["status", "merged_into", "notes"])
        individual_seen_refresh(individual=target)
        individual_seen_refresh(individual=source)
    return split


# --- sightings ------------------------------------------------------------------------


def sighting_create(*, actor: Actor, observed_at: datetime, latitude: float,
                    longitude: float, area: str = "", trip: str = "", observers: str = "",
                    group_size: int | None = None, notes: str = "") -> Sighting:
    perm_require(user=actor, perm="dois.submit_photo")
    sighting = Sighting(observed_at=observed_at, latitude=latitude, longitude=longitude,
                        area=area, trip=trip, observers=observers, group_size=group_size,
                        notes=notes, created_by=actor)
    sighting.full_clean()
    sighting.save()
    return sighting
