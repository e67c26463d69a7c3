"""Decisions on photos (dois.services.decisions): confirm, new individual, unusable,
undo by appending, the model version and grades recorded, permissions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dois import services
from dois.models import Decision, IdentificationJob, Individual, ModelVersion, Photo
from tests.dois.factories import (
    IndividualFactory,
    PhotoFactory,
)

pytestmark = pytest.mark.django_db


# --- decisions ------------------------------------------------------------------------

def test_confirm_makes_reference_photo(researcher):
    ind = IndividualFactory()
    photo = PhotoFactory()
    decision = services.decision_record(photo=photo, action="confirm", individual=ind,
                                        actor=researcher)
    photo.refresh_from_db()
    assert photo.state == Photo.State.CONFIRMED and photo.individual == ind
    assert decision.decided_by == researcher and decision.state_before == "submitted"
    assert list(Photo.objects.gallery()) == [photo]


def test_new_individual_creates_catalogue_entry(researcher):
    photo = PhotoFactory()
    decision = services.decision_record(photo=photo, action="new_individual",
                                        actor=researcher)
    photo.refresh_from_db()
    assert photo.state == Photo.State.NEW_INDIVIDUAL
    assert photo.individual == decision.individual
    assert decision.individual.code.startswith("PRE-")


def test_undo_reverts_by_appending(researcher):
    a, b = IndividualFactory(), IndividualFactory()
    photo = PhotoFactory()
    services.decision_record(photo=photo, action="confirm", individual=a,
                             actor=researcher)
    services.decision_record(photo=photo, action="confirm", individual=b,
                             actor=researcher)
    undo = services.decision_record(photo=photo, action="undo", actor=researcher)
    photo.refresh_from_db()
    assert photo.individual == a and photo.state == Photo.State.CONFIRMED
    assert undo.undoes.individual == b
    services.decision_record(photo=photo, action="undo", actor=researcher)
    photo.refresh_from_db()
    assert photo.state == Photo.State.SUBMITTED and photo.individual is None
    assert Decision.objects.filter(photo=photo).count() == 4  # nothing deleted
    with pytest.raises(ValidationError):
        services.decision_record(photo=photo, action="undo", actor=researcher)


def test_unusable_and_undo(researcher):
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    services.decision_record(photo=photo, action="unusable", actor=researcher)
    photo.refresh_from_db()
    assert photo.state == Photo.State.UNUSABLE
    services.decision_record(photo=photo, action="undo", actor=researcher)
    photo.refresh_from_db()
    assert photo.state == Photo.State.IDENTIFIED


def test_decision_records_model_version_and_candidate_rank(researcher):
    from django.utils import timezone

    from dois.models import Candidate
    ind, other = IndividualFactory(), IndividualFactory()
    version = ModelVersion.objects.create(name="v1", file_path="x", embedding_dim=8,
                                          input_size=64, threshold=0.5)
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    job = IdentificationJob.objects.create(photo=photo, model_version=version,
                                           status="done", finished_at=timezone.now())
    Candidate.objects.create(job=job, individual=other, rank=1, score=0.9)
    Candidate.objects.create(job=job, individual=ind, rank=2, score=0.7)
    decision = services.decision_record(photo=photo, action="confirm", individual=ind,
                                        actor=researcher)
    assert decision.model_version == version and decision.candidate_rank == 2


def test_decision_needs_review_permission(volunteer):
    with pytest.raises(PermissionDenied):
        services.decision_record(photo=PhotoFactory(), action="unusable",
                                 actor=volunteer)


def test_confirm_needs_individual(researcher):
    with pytest.raises(ValidationError):
        services.decision_record(photo=PhotoFactory(), action="confirm",
                                 actor=researcher)


# --- grading with a decision ----------------------------------------------------------

def test_decision_sets_quality_and_side_and_records_them(researcher):
    ind = IndividualFactory()
    photo = PhotoFactory(state=Photo.State.IDENTIFIED, quality=None)
    decision = services.decision_record(photo=photo, action="confirm", individual=ind,
                                        actor=researcher, quality=4, side="left")
    photo.refresh_from_db()
    assert (photo.quality, photo.side, photo.state) == (4, "left", Photo.State.CONFIRMED)
    assert (decision.quality, decision.side) == (4, "left")
    # nothing given: the grade stays as it is
    other = services.decision_record(photo=photo, action="unusable", actor=researcher)
    photo.refresh_from_db()
    assert (photo.quality, photo.side) == (4, "left")
    assert (other.quality, other.side) == (None, "")


@pytest.mark.parametrize("quality, side", [(0, ""), (6, ""), ("x", ""), (None, "top")])
def test_decision_refuses_bad_grades(researcher, quality, side):
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    with pytest.raises(ValidationError):
        services.decision_record(photo=photo, action="unusable", actor=researcher,
                                 quality=quality, side=side)
    photo.refresh_from_db()
    assert photo.state == Photo.State.IDENTIFIED and not Decision.objects.exists()


def test_undo_does_not_grade(researcher):
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    services.decision_record(photo=photo, action="unusable", actor=researcher)
    with pytest.raises(ValidationError):
        services.decision_record(photo=photo, action="undo", actor=researcher, quality=3)


# --- undoing a new individual ---------------------------------------------------------

def test_undoing_new_individual_withdraws_it_without_deleting(researcher):
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    created = services.decision_record(photo=photo, action="new_individual",
                                       actor=researcher)
    individual = created.individual
    assert individual in Individual.objects.listed()
    undo = services.decision_record(photo=photo, action="undo", actor=researcher)
    photo.refresh_from_db()
    individual.refresh_from_db()
    assert photo.state == Photo.State.IDENTIFIED and photo.individual is None
    assert individual.status == Individual.Status.WITHDRAWN
    assert "Withdrawn" in individual.notes
    assert individual not in Individual.objects.listed()
    assert undo.undoes == created
    assert Decision.objects.filter(photo=photo).count() == 2  # append-only
    # deciding again founds a new individual; the withdrawn code is not reused
    again = services.decision_record(photo=photo, action="new_individual",
                                     actor=researcher)
    assert again.individual != individual and again.individual.number > individual.number
    # a withdrawn individual cannot be confirmed until a curator reactivates it
    other = PhotoFactory(state=Photo.State.IDENTIFIED)
    with pytest.raises(ValidationError):
        services.decision_record(photo=other, action="confirm", individual=individual,
                                 actor=researcher)
    services.individual_update(individual=individual, actor=researcher, nickname="",
                               sex="unknown", status="active", notes=individual.notes)
    services.decision_record(photo=other, action="confirm", individual=individual,
                             actor=researcher)
    other.refresh_from_db()
    assert other.individual == individual


def test_undoing_new_individual_keeps_it_while_other_photos_show_it(researcher):
    founder, second = PhotoFactory(), PhotoFactory()
    individual = services.decision_record(photo=founder, action="new_individual",
                                          actor=researcher).individual
    services.decision_record(photo=second, action="confirm", individual=individual,
                             actor=researcher)
    services.decision_record(photo=founder, action="undo", actor=researcher)
    individual.refresh_from_db()
    assert individual.status == Individual.Status.ACTIVE
    # the last photo leaves too: nothing shows it and its founding was undone
    services.decision_record(photo=second, action="undo", actor=researcher)
    individual.refresh_from_db()
    assert individual.status == Individual.Status.WITHDRAWN


def test_undoing_a_confirm_never_withdraws_a_catalogue_individual(researcher):
    individual = IndividualFactory()  # in the catalogue without a founding decision
    photo = PhotoFactory()
    services.decision_record(photo=photo, action="confirm", individual=individual,
                             actor=researcher)
    services.decision_record(photo=photo, action="undo", actor=researcher)
    individual.refresh_from_db()
    assert individual.status == Individual.Status.ACTIVE
