"""Deciding the photos of one encounter together (dois.services.review); the review
pages are tested in views/test_decisions.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dois import services
from dois.models import Decision, Individual
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory

pytestmark = pytest.mark.django_db


def test_a_new_individual_for_an_encounter_is_created_once(researcher):
    sighting = SightingFactory()
    photos = [PhotoFactory(sighting=sighting) for _ in range(3)]
    decisions = services.decisions_record_together(
        photos=photos, action="new_individual", actor=researcher)
    assert Individual.objects.count() == 1
    assert [d.action for d in decisions] == ["new_individual", "confirm", "confirm"]
    assert len({d.individual_id for d in decisions}) == 1


def test_an_encounter_is_one_sighting_and_photos_still_waiting(researcher):
    ind = IndividualFactory()
    with pytest.raises(ValidationError, match="one sighting"):
        services.decisions_record_together(
            photos=[PhotoFactory(), PhotoFactory()], action="confirm", individual=ind,
            actor=researcher)
    sighting = SightingFactory()
    first, decided = PhotoFactory(sighting=sighting), PhotoFactory(sighting=sighting)
    services.decision_record(photo=decided, action="unusable", actor=researcher)
    with pytest.raises(ValidationError, match="decided meanwhile"):
        services.decisions_record_together(
            photos=[first, decided], action="confirm", individual=ind, actor=researcher)
    assert not Decision.objects.filter(photo=first).exists()
