"""Decisions on photos: append-only, each one moves the photo and its individual.

Several decisions taken together and undoing them are :mod:`dois.services.review`.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.permissions import Actor, permission_require
from dois.models import Candidate, Decision, IdentificationJob, Individual, Photo
from dois.rules import user_is_researcher
from dois.services.catalogue import (
    individual_create,
    individual_resolve,
    individual_seen_refresh,
    individual_withdraw_if_orphaned,
)

logger = logging.getLogger(__name__)

# --- decisions ------------------------------------------------------------------------


def _decision_model_source(*, photo: Photo, individual: Individual | None):
    """The model version and candidate rank that led to a decision, if any."""
    job = (IdentificationJob.objects.filter(photo=photo, status=IdentificationJob.Status.DONE)
           .order_by("-revision", "-finished_at", "-id").first())
    if job is None:
        return None, None
    rank = None
    if individual is not None:
        candidate = Candidate.objects.filter(job=job, individual=individual).order_by(
            "rank").first()
        rank = candidate.rank if candidate else None
    return job.model_version, rank


def decision_record(*, photo: Photo, action: str, actor: Actor,
                    individual: Individual | None = None, note: str = "",
                    model_version=None, candidate_rank: int | None = None,
                    quality: int | None = None, side: str = "",
                    encounter=None) -> Decision:
    """A researcher's decision for ``photo``, appended to its history.

    ``confirm`` (needs ``individual``) makes the photo a reference photo of it,
    ``new_individual`` creates an individual founded on it, ``unusable`` takes it out,
    ``undo`` reverts the latest decision that is still in force (append-only: the undo is
    itself a decision). The model version and candidate rank are taken from the photo's
    latest finished job unless given.

    ``quality`` (1 to 5) and ``side`` grade the photo with the decision (None and ""
    leave them as they are); the decision records what was set. An undo does not grade.
    Undoing the decision that created an individual withdraws that individual when no
    photo shows it any more (:func:`individual_withdraw_if_orphaned`). ``encounter``
    links decisions taken together for photos of one sighting
    (:func:`dois.services.review.decisions_record_together`).
    """
    permission_require(allowed=user_is_researcher(user=actor))
    if action not in Decision.Action.values:
        raise ValidationError({"action": _("Unknown action.")})
    if quality is not None:
        try:
            quality = int(quality)
        except (TypeError, ValueError):
            quality = 0
        if not 1 <= quality <= 5:
            raise ValidationError({"quality": _("The quality grade is 1 to 5.")})
    side = side or ""
    if side and side not in Photo.Side.values:
        raise ValidationError({"side": _("Choose left, right or unknown.")})
    if action == Decision.Action.UNDO and (quality is not None or side):
        raise ValidationError({"action": _("An undo does not change the grade or side.")})
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        state_before, individual_before = photo.state, photo.individual
        undoes = None
        if action == Decision.Action.CONFIRM:
            if individual is None:
                raise ValidationError({"individual": _("Choose the individual.")})
            individual = individual_resolve(individual=individual)
            if individual.status == Individual.Status.WITHDRAWN:
                raise ValidationError({"individual": _(
                    "%(code)s was withdrawn; reactivate it on its curation page first.")
                    % {"code": individual.code}})
            photo.state, photo.individual = Photo.State.CONFIRMED, individual
        elif action == Decision.Action.NEW_INDIVIDUAL:
            individual = individual_create(actor=actor)
            photo.state, photo.individual = Photo.State.NEW_INDIVIDUAL, individual
        elif action == Decision.Action.UNUSABLE:
            individual = None
            photo.state, photo.individual = Photo.State.UNUSABLE, None
        else:
            undoes = (Decision.objects.filter(photo=photo, undone_by__isnull=True)
                      .exclude(action=Decision.Action.UNDO).order_by("-decided_at", "-id")
                      .first())
            if undoes is None:
                raise ValidationError({"action": _("There is no decision to undo.")})
            individual = undoes.individual
            photo.state, photo.individual = undoes.state_before, undoes.individual_before
        if action != Decision.Action.UNDO and model_version is None:
            model_version, rank = _decision_model_source(photo=photo, individual=individual)
            candidate_rank = candidate_rank if candidate_rank is not None else rank
        fields = ["state", "individual"]
        if quality is not None:
            photo.quality = quality
            fields.append("quality")
        if side:
            photo.side = side
            fields.append("side")
        photo.save(update_fields=fields)
        decision = Decision.objects.create(
            photo=photo, action=action, individual=individual, decided_by=actor,
            model_version=model_version, candidate_rank=candidate_rank,
            state_before=state_before, individual_before=individual_before,
            state_after=photo.state, undoes=undoes, note=note, quality=quality, side=side,
            encounter=encounter,
        )
        for touched in {i for i in (individual_before, photo.individual) if i is not None}:
            individual_seen_refresh(individual=touched)
        if action == Decision.Action.UNDO and individual_before is not None:
            individual_withdraw_if_orphaned(individual=individual_before)
    return decision
