"""The catalogue's services (dois.services.catalogue): numbering individuals, merging
and curating them. Splitting merges again: test_catalogue_merges.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from dois import services
from dois.models import Decision, Individual
from tests.dois.factories import (
    IndividualFactory,
    PhotoFactory,
)

pytestmark = pytest.mark.django_db


# --- individuals ----------------------------------------------------------------------

def test_individual_codes_are_sequential_with_prefix(settings):
    settings.DOIS_CATALOGUE_PREFIX = "PRE"
    first = services.individual_create()
    second = services.individual_create(nickname="Nicky")
    assert first.code == "PRE-0001" and second.code == "PRE-0002"
    assert second.nickname == "Nicky"


def test_individual_numbers_continue_after_existing_ones():
    IndividualFactory(prefix="PRE", number=41)
    assert services.individual_create(prefix="PRE").code == "PRE-0042"


def test_merge_moves_photos_keeps_decisions_and_redirects(researcher):
    survivor, merged = IndividualFactory(), IndividualFactory()
    photo = PhotoFactory()
    services.decision_record(photo=photo, action="confirm", individual=merged,
                             actor=researcher)
    guess = PhotoFactory(proposed_individual=merged)
    services.individual_merge(source=merged, target=survivor, actor=researcher)
    merged.refresh_from_db()
    photo.refresh_from_db()
    guess.refresh_from_db()
    assert merged.status == Individual.Status.MERGED and merged.merged_into == survivor
    assert photo.individual == survivor and guess.proposed_individual == survivor
    assert Decision.objects.get(photo=photo).individual == merged  # history kept
    assert services.individual_resolve(individual=merged) == survivor
    survivor.refresh_from_db()
    assert survivor.first_seen == photo.sighting.observed_at.date()
    with pytest.raises(ValidationError):
        services.individual_merge(source=merged, target=survivor, actor=researcher)
    with pytest.raises(ValidationError):
        services.individual_merge(source=survivor, target=survivor, actor=researcher)


def test_merge_needs_curate_permission(volunteer):
    with pytest.raises(PermissionDenied):
        services.individual_merge(source=IndividualFactory(), target=IndividualFactory(),
                                  actor=volunteer)


def test_confirm_on_merged_individual_lands_on_survivor(researcher):
    survivor, merged = IndividualFactory(), IndividualFactory()
    services.individual_merge(source=merged, target=survivor, actor=researcher)
    photo = PhotoFactory()
    services.decision_record(photo=photo, action="confirm", individual=merged,
                             actor=researcher)
    photo.refresh_from_db()
    assert photo.individual == survivor


@override_settings(DOIS_CATALOGUE_PREFIX="XYZ")
def test_prefix_from_settings():
    assert services.individual_create().code == "XYZ-0001"


# --- curation -------------------------------------------------------------------------

def test_individual_update_edits_the_entry(researcher):
    ind = IndividualFactory(nickname="Old")
    services.individual_update(individual=ind, actor=researcher, nickname=" Pearl ",
                               sex="female", status="presumed_dead", notes="Scar on the left.")
    ind.refresh_from_db()
    assert (ind.nickname, ind.sex, ind.status, ind.notes) == (
        "Pearl", "female", "presumed_dead", "Scar on the left.")


@pytest.mark.parametrize("role", ["volunteer", "organiser", "organiser_only"])
def test_individual_update_needs_curate_permission(request, role):
    ind = IndividualFactory(nickname="Old")
    with pytest.raises(PermissionDenied):
        services.individual_update(individual=ind, actor=request.getfixturevalue(role),
                                   nickname="New", sex="male", status="active", notes="")
    ind.refresh_from_db()
    assert ind.nickname == "Old"


def test_individual_update_refuses_merged_withdrawn_and_bad_values(researcher):
    ind = IndividualFactory()
    for status in ("merged", "withdrawn", "sleeping"):
        with pytest.raises(ValidationError):
            services.individual_update(individual=ind, actor=researcher, nickname="",
                                       sex="unknown", status=status, notes="")
    with pytest.raises(ValidationError):
        services.individual_update(individual=ind, actor=researcher, nickname="",
                                   sex="both", status="active", notes="")
    merged, survivor = IndividualFactory(), IndividualFactory()
    services.individual_merge(source=merged, target=survivor, actor=researcher)
    with pytest.raises(ValidationError):
        services.individual_update(individual=merged, actor=researcher, nickname="x",
                                   sex="unknown", status="active", notes="")
    merged.refresh_from_db()
    assert merged.status == Individual.Status.MERGED
