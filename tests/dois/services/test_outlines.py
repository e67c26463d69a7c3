"""People check the machine's outline (issue 13): accept, move the tip and ends, redraw;
stored with who and when, re-identifying the photo with one job per correction."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dois import services
from dois.models import IdentificationJob, Outline, PhotoEdit
from dois.selectors import outline_current
from dois.services import photo_outline_correct
from tests.dois.factories import IndividualFactory, UserFactory
from tests.dois.jobs_support import fin_gallery_make, fin_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def traced(edge_version, volunteer):
    """A volunteer's fin photo, identified once by the edge method (machine outline)."""
    inds, _refs = fin_gallery_make(individuals=2, per_individual=1, model_version=edge_version)
    photo = fin_photo(individual_seed=0, photo_seed=3, uploaded_by=volunteer)
    with transaction.atomic():
        job = services.identification_job_create(photo=photo)
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.outline.made_by == "machine" and job.outline.ok
    photo.refresh_from_db()
    return photo, job, inds


def _moved_tip(outline: Outline) -> list[float]:
    x, y = outline.data["tip"]
    return [x + 3.0, y + 2.0]


def test_moving_the_tip_stores_a_person_outline_and_re_identifies(traced, volunteer):
    photo, job, inds = traced
    machine = job.outline
    edit = photo_outline_correct(photo=photo, actor=volunteer, action="move",
                                 tip=_moved_tip(machine), base_revision=photo.revision,
                                 outline_id=machine.pk)
    assert isinstance(edit, PhotoEdit) and edit.edited_by == volunteer
    person = edit.outline
    assert (person.made_by, person.action, person.created_by) == ("person", "move", volunteer)
    assert person.created_at is not None and person.based_on == machine and person.ok
    assert person.data["tip"] != machine.data["tip"]
    photo.refresh_from_db()
    assert photo.revision == job.revision + 1 and edit.revision == photo.revision
    new = edit.job
    assert new.pk != job.pk and new.revision == photo.revision and new.status == "queued"
    # the machine's outline is kept (append-only); the person's is the current one
    assert Outline.objects.filter(photo=photo).count() == 2
    assert outline_current(photo=photo) == person
    services.identification_jobs_run(job_ids=[new.pk])
    new.refresh_from_db()
    assert new.status == "done" and new.outline == person
    assert new.timings["outline"] == "person"  # not traced again
    assert sorted(c.individual_id for c in new.candidates.all()) == sorted(i.pk for i in inds)


def test_the_same_correction_twice_makes_one_job(traced, volunteer):
    photo, job, _inds = traced
    machine = job.outline
    kwargs = {"photo": photo, "actor": volunteer, "action": "move", "tip": _moved_tip(machine),
              "base_revision": photo.revision, "outline_id": machine.pk}
    first = photo_outline_correct(**kwargs)
    assert first is not None
    assert photo_outline_correct(**kwargs) is None  # the form sent again
    assert IdentificationJob.objects.filter(photo=photo).count() == 2
    assert Outline.objects.filter(photo=photo, made_by="person").count() == 1


def test_accept_and_redraw(traced, researcher):
    photo, job, _inds = traced
    accepted = photo_outline_correct(photo=photo, actor=researcher, action="accept")
    assert accepted.outline.action == "accept"
    assert accepted.outline.data["trailing"] == job.outline.data["trailing"]
    line = [[x + 1.5, y] for x, y in job.outline.data["trailing"][::3]]
    redrawn = photo_outline_correct(photo=photo, actor=researcher, action="redraw",
                                    trailing=line)
    assert redrawn.outline.action == "redraw" and redrawn.outline.based_on == accepted.outline
    assert redrawn.outline.data["tip"] == pytest.approx(line[0])
    assert IdentificationJob.objects.filter(photo=photo).count() == 3


def test_refusals(traced, volunteer, researcher):
    photo, job, inds = traced
    tip = _moved_tip(job.outline)
    for user in (AnonymousUser(), UserFactory(username="other", roles=["volunteer"])):
        with pytest.raises(PermissionDenied):
            photo_outline_correct(photo=photo, actor=user, action="move", tip=tip)
    with pytest.raises(ValidationError):
        photo_outline_correct(photo=photo, actor=volunteer, action="move", tip=[1e9, 0])
    with pytest.raises(ValidationError):
        photo_outline_correct(photo=photo, actor=volunteer, action="redraw",
                              trailing=[[1, 1]])
    with pytest.raises(ValidationError):  # a stale form: someone corrected it meanwhile
        photo_outline_correct(photo=photo, actor=volunteer, action="move", tip=tip,
                              base_revision=photo.revision - 1)
    services.decision_record(photo=photo, action="confirm", individual=IndividualFactory(),
                             actor=researcher)
    photo.refresh_from_db()
    with pytest.raises(PermissionDenied):  # decided: the volunteer may no longer
        photo_outline_correct(photo=photo, actor=volunteer, action="move", tip=tip)
    assert not Outline.objects.filter(photo=photo, made_by="person").exists()
    # a researcher still may
    assert photo_outline_correct(photo=photo, actor=researcher, action="move", tip=tip)
