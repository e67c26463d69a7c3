"""A real worker re-identifies a corrected photo (issue 14, item 4)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dois import services
from dois.models import Embedding, IdentificationJob, Photo
from dois.services import Correction, photo_correct
from tests.dois.factories import upload
from tests.dois.jobs_support import gallery_make
from tests.support import wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_re_identifies_the_corrected_photo(volunteer, model_version, start_worker,
                                                     purge_queues):
    gallery_make(individuals=2, per_individual=2, model_version=model_version)
    start_worker(queues="identify", name="corrections")
    sighting = services.sighting_create(actor=volunteer, observed_at=timezone.now(),
                                        latitude=22.2, longitude=113.7)
    photo, first = services.photo_submit(sighting=sighting, upload=upload(seed=40),
                                         actor=volunteer)
    wait_for(lambda: IdentificationJob.objects.filter(pk=first.pk, status="done").exists(),
             what="first job done")
    vector_before = bytes(Embedding.objects.get(photo=photo).vector)
    edit = photo_correct(photo=photo, actor=volunteer, correction=Correction(
        crop=(0.1, 0.2, 0.5, 0.6)))
    job = wait_for(lambda: IdentificationJob.objects.filter(pk=edit.job.pk, status="done")
                   .first(), what="job of the corrected photo done")
    assert job.revision == 1 and job.candidates.count() > 0
    photo.refresh_from_db()
    assert photo.state == Photo.State.IDENTIFIED
    assert bytes(Embedding.objects.get(photo=photo).vector) != vector_before
