"""Correcting a photo's box, side and guess after upload (issue 14, item 4)."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from dois import services
from dois.models import Embedding, IdentificationJob, Photo, PhotoEdit
from dois.services import Correction, identification_job_result_store, photo_correct
from tests.dois.factories import IndividualFactory, PhotoFactory, UserFactory, upload
from tests.dois.jobs_support import gallery_make


def uploaded(volunteer, seed=1):
    sighting = services.sighting_create(actor=volunteer, observed_at=timezone.now(),
                                        latitude=22.2, longitude=113.7)
    return services.photo_submit(sighting=sighting, upload=upload(seed=seed),
                                 actor=volunteer)


@pytest.mark.django_db
def test_a_correction_is_kept_and_re_identifies_with_a_new_job(
        volunteer, model_version, _no_broker, django_capture_on_commit_callbacks):
    photo, first_job = uploaded(volunteer)
    guess = IndividualFactory(code="PRE-0700")
    Embedding.objects.create(photo=photo, model_version=model_version, vector=b"\0" * 128)
    with django_capture_on_commit_callbacks(execute=True):
        edit = photo_correct(photo=photo, actor=volunteer, base_revision=0,
                             correction=Correction(crop=("0.25", "0.25", "0.5", "0.5"),
                                                   side="left", guess=guess))
    photo.refresh_from_db()
    assert (photo.revision, photo.crop_x, photo.crop_y, photo.crop_w, photo.crop_h) == (
        1, 80, 60, 160, 120)
    assert photo.side == "left" and photo.proposed_individual == guess
    assert edit.crop_before == [0, 0, 320, 240] and edit.crop_after == [80, 60, 160, 120]
    assert (edit.side_before, edit.side_after) == ("unknown", "left")
    assert (edit.guess_before, edit.guess_after) == (None, guess)
    assert edit.edited_by == volunteer and edit.revision == 1
    # a new job for the new revision, sent on commit; the old queued one is superseded
    assert edit.job.revision == 1 and edit.job.pk != first_job.pk
    assert edit.job.status == IdentificationJob.Status.QUEUED
    first_job.refresh_from_db()
    assert first_job.status == "failed" and first_job.error_code == "superseded"
    assert _no_broker[-1][1] == [edit.job.pk]  # sent alone, after commit
    assert not Embedding.objects.filter(photo=photo).exists()
    # the same correction again changes nothing and makes no job
    again = photo_correct(photo=photo, actor=volunteer, base_revision=0, correction=Correction(
        crop=("0.25", "0.25", "0.5", "0.5"), side="left", guess=guess))
    assert again is None and IdentificationJob.objects.filter(photo=photo).count() == 2


@pytest.mark.django_db
def test_a_correction_on_a_stale_revision_is_refused(volunteer, model_version):
    photo, _job = uploaded(volunteer)
    photo_correct(photo=photo, actor=volunteer, correction=Correction(side="left"))
    with pytest.raises(ValidationError) as err:
        photo_correct(photo=photo, actor=volunteer, base_revision=0,
                      correction=Correction(side="right"))
    assert "revision" in err.value.message_dict


@pytest.mark.django_db
def test_who_may_correct(volunteer, researcher, model_version):
    photo, _job = uploaded(volunteer)
    stranger = UserFactory(username="other-volunteer", roles=["volunteer"])
    with pytest.raises(PermissionDenied):
        photo_correct(photo=photo, actor=stranger, correction=Correction(side="left"))
    ind = IndividualFactory()
    services.decision_record(photo=photo, action="confirm", individual=ind,
                             actor=researcher)
    with pytest.raises(PermissionDenied):  # a researcher has decided
        photo_correct(photo=photo, actor=volunteer, correction=Correction(side="left"))
    edit = photo_correct(photo=photo, actor=researcher, correction=Correction(side="right"))
    photo.refresh_from_db()
    assert edit.edited_by == researcher and photo.state == Photo.State.CONFIRMED
    services.decision_record(photo=photo, action="undo", actor=researcher)
    # undone: nobody has decided any more, the volunteer may correct again
    assert photo_correct(photo=photo, actor=volunteer, correction=Correction(side="left"))


@pytest.mark.django_db
def test_bad_corrections_are_validation_errors(volunteer, model_version):
    photo, _job = uploaded(volunteer)
    for correction, field in ((Correction(crop=("nan", 0, 1, 1)), "crop"),
                              (Correction(crop=(0, 0, 2, 1)), "crop"),
                              (Correction(crop=(0.99, 0.99, 0.01, 0.01)), "crop"),
                              (Correction(side="up"), "side")):
        with pytest.raises(ValidationError) as err:
            photo_correct(photo=photo, actor=volunteer, correction=correction)
        assert field in err.value.message_dict
    assert not PhotoEdit.objects.exists()


@pytest.mark.django_db
def test_an_old_revisions_result_keeps_its_candidates_but_not_its_embedding(
        volunteer, model_version):
    photo, old_job = uploaded(volunteer)
    edit = photo_correct(photo=photo, actor=volunteer, correction=Correction(side="left"))
    IdentificationJob.objects.filter(pk=old_job.pk).update(status="running")
    inds, _refs = gallery_make(individuals=1, per_individual=1)
    stored = identification_job_result_store(
        job_id=old_job.pk, vector=np.ones(32, np.float32), candidates=[(inds[0].pk, 0.9, None)],
        new_individual_probability=0.1, timings={})
    assert stored and not Embedding.objects.filter(photo=photo).exists()
    assert old_job.candidates.count() == 1
    identification_job_result_store(
        job_id=edit.job.pk, vector=np.full(32, 2, np.float32), candidates=[],
        new_individual_probability=0.5, timings={})
    assert Embedding.objects.filter(photo=photo).count() == 1


@pytest.mark.django_db
def test_the_correction_page(client, volunteer, researcher, model_version):
    photo, _job = uploaded(volunteer)
    url = reverse("dois:photo_edit", kwargs={"pk": photo.pk})
    client.force_login(volunteer)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="box-canvas"' in body and "photo_edit.js" in body and "<script>" not in body
    assert 'name="crop" value="0.0000,0.0000,1.0000,1.0000"' in body
    response = client.post(url, {"crop": "0.1,0.1,0.5,0.5", "side": "right", "guess": "",
                                 "revision": "0"})
    edit = PhotoEdit.objects.get()
    assert response.url == reverse("dois:job", kwargs={"pk": edit.job.pk})
    # the corrections are listed on the page and on the researcher's review page
    assert "revision 1" in client.get(url).content.decode()
    client.force_login(researcher)
    review = client.get(reverse("dois:review", kwargs={"pk": photo.pk})).content.decode()
    assert "revision 1" in review and f'href="{url}"' in review
    # a stale form, an unknown code: messages on the page, nothing saved
    client.force_login(volunteer)
    response = client.post(url, {"crop": "", "side": "left", "guess": "PRE-9999",
                                 "revision": "1"})
    assert response.status_code == 400 and "No individual with the code" in \
        response.content.decode()
    response = client.post(url, {"crop": "", "side": "left", "guess": "", "revision": "0"})
    assert response.status_code == 400 and "corrected meanwhile" in response.content.decode()
    assert PhotoEdit.objects.count() == 1


@pytest.mark.django_db
def test_the_correction_page_is_for_the_uploader_and_researchers(client, volunteer,
                                                                 model_version):
    photo, _job = uploaded(volunteer)
    url = reverse("dois:photo_edit", kwargs={"pk": photo.pk})
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(username="someone", roles=["volunteer"]))
    assert client.get(url).status_code == 404  # may not even see it
    public = PhotoFactory(state=Photo.State.CONFIRMED, individual=IndividualFactory())
    assert client.get(reverse("dois:photo_edit", kwargs={"pk": public.pk})).status_code == 403
