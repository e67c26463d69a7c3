"""Who may see and do what in DoIs (:mod:`dois.rules`): each rule decided once, here.

The pages, the API and the files that follow these rules are tested with them
(``test_security.py``, ``views/``); this checks the rules themselves.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from dois import rules
from dois.models import Photo, Submission
from tests.dois.factories import PhotoFactory
from tests.dois.jobs_support import job_create
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_roles(volunteer, researcher, organiser_only):
    admin = UserFactory(username="root", is_superuser=True)
    gone = UserFactory(username="gone", roles=["researcher"], is_active=False)
    for user, is_researcher in ((None, False), (AnonymousUser(), False), (volunteer, False),
                                (organiser_only, False), (researcher, True), (admin, True),
                                (gone, False)):
        assert rules.user_is_researcher(user=user) is is_researcher, user
        assert rules.user_sees_exact(user=user) is is_researcher, user


def test_who_sees_a_photo(volunteer, researcher):
    other = UserFactory(username="volunteer2", roles=["volunteer"])
    mine = {"sighting__created_by": volunteer, "uploaded_by": volunteer}
    photos = {  # photo: (anonymous, uploader, other volunteer, researcher)
        PhotoFactory(state=Photo.State.CONFIRMED, **mine): (True, True, True, True),
        PhotoFactory(state=Photo.State.NEW_INDIVIDUAL, **mine): (True, True, True, True),
        PhotoFactory(state=Photo.State.CONFIRMED, is_public=False, **mine):
            (False, True, False, True),
        PhotoFactory(state=Photo.State.SUBMITTED, **mine): (False, True, False, True),
        PhotoFactory(state=Photo.State.UNUSABLE, **mine): (False, True, False, True),
    }
    users = [AnonymousUser(), volunteer, other, researcher]
    for photo, expected in photos.items():
        for user, visible in zip(users, expected, strict=True):
            assert rules.photo_visible_to(photo=photo, user=user) is visible, (photo, user)
            assert Photo.objects.filter(
                rules.photo_visibility(user=user), pk=photo.pk).exists() is visible
    assert rules.photo_visibility(user=None) == rules.photo_visibility(user=AnonymousUser())


def test_a_job_is_seen_with_its_photo(volunteer, researcher, model_version):
    photo = PhotoFactory(uploaded_by=volunteer, sighting__created_by=volunteer)
    job = job_create(photo)
    assert rules.job_visible_to(job=job, user=volunteer)
    assert rules.job_visible_to(job=job, user=researcher)
    assert not rules.job_visible_to(job=job, user=AnonymousUser())
    photo.state = Photo.State.CONFIRMED
    photo.save(update_fields=["state"])
    assert rules.job_visible_to(job=job, user=AnonymousUser())


def test_who_corrects_a_photo(volunteer, researcher, organiser_only):
    other = UserFactory(username="volunteer2", roles=["volunteer"])
    photo = PhotoFactory(uploaded_by=volunteer, sighting__created_by=volunteer)
    for state in (Photo.State.SUBMITTED, Photo.State.IDENTIFIED):
        photo.state = state
        assert rules.photo_correctable_by(photo=photo, user=volunteer)
    for state in (Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL, Photo.State.UNUSABLE):
        photo.state = state
        assert not rules.photo_correctable_by(photo=photo, user=volunteer)
        assert rules.photo_correctable_by(photo=photo, user=researcher)
    photo.state = Photo.State.SUBMITTED
    for user in (None, AnonymousUser(), other, organiser_only):
        assert not rules.photo_correctable_by(photo=photo, user=user), user
    # the uploader without the volunteer role any more may not
    volunteer.groups.clear()
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)
    assert not rules.photo_correctable_by(photo=photo, user=volunteer)


def test_who_curates_and_promotes(volunteer, researcher):
    admin = UserFactory(username="root", is_superuser=True)
    for user, allowed in ((None, False), (AnonymousUser(), False), (volunteer, False),
                          (researcher, True), (admin, True)):
        assert rules.user_curates(user=user) is allowed, user
        assert rules.user_promotes(user=user) is allowed, user


def test_who_sees_a_leaderboard_submission(volunteer, researcher):
    other = UserFactory(username="volunteer2", roles=["volunteer"])
    done, pending, failed = (Submission.Status.DONE, Submission.Status.QUEUED,
                             Submission.Status.FAILED)
    users = [None, AnonymousUser(), volunteer, other, researcher]
    cases = {  # (kind, status): (nobody, anonymous, submitter, other member, researcher)
        (Submission.Kind.MEMBER, done): (True, True, True, True, True),
        (Submission.Kind.MEMBER, pending): (False, False, True, False, True),
        (Submission.Kind.MEMBER, failed): (False, False, True, False, True),
        (Submission.Kind.ACTIVE_MODEL, done): (True, True, True, True, True),
        (Submission.Kind.ACTIVE_MODEL, pending): (False, False, False, False, True),
    }
    for (kind, status), expected in cases.items():
        submission = Submission(kind=kind, status=status, name="m",
                                submitted_by=volunteer if kind == Submission.Kind.MEMBER
                                else None)
        for user, visible in zip(users, expected, strict=True):
            assert rules.submission_visible_to(submission=submission,
                                               user=user) is visible, (kind, status, user)
