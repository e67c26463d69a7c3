"""No query per row (issue 14): the catalogue, an individual's page, the review queue, a
review page, the job page and "my photos" make as many queries for one item as for
three (the catalogue used to run one photo query per individual)."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dois import services
from dois.models import IdentificationJob, ModelVersion, Photo
from dois.services import identification_job_result_store
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def confirmed(researcher, individual, **kwargs):
    photo = PhotoFactory(**kwargs)
    services.decision_record(photo=photo, action="confirm", individual=individual,
                             actor=researcher)
    return photo


def catalogue(n, researcher):
    for _ in range(n):
        ind = IndividualFactory()
        confirmed(researcher, ind, quality=3)
        confirmed(researcher, ind)


def individual(n, researcher):
    ind = IndividualFactory(code="PRE-0100")
    for _ in range(n):
        confirmed(researcher, ind, sighting=SightingFactory())
        confirmed(researcher, ind)
    return ind


def job_with(n, researcher):
    version = (ModelVersion.objects.filter(name="v").first()
               or ModelVersion.objects.create(name="v", file_path="x", embedding_dim=8,
                                              input_size=64, threshold=0.5, is_active=True))
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    job = IdentificationJob.objects.create(photo=photo, model_version=version,
                                           sent_at=timezone.now())
    candidates = []
    for _ in range(n):
        ind = IndividualFactory()
        ref = confirmed(researcher, ind)
        confirmed(researcher, ind)
        candidates.append((ind.pk, 0.5, ref.pk))
    identification_job_result_store(job_id=job.pk, vector=np.ones(8, np.float32),
                                    candidates=candidates, new_individual_probability=0.2,
                                    timings={})
    return job


@pytest.mark.parametrize("as_researcher", [False, True])
def test_catalogue(client, researcher, as_researcher):
    if as_researcher:
        client.force_login(researcher)
    url = reverse("dois:catalogue")
    catalogue(1, researcher)
    one = queries(client, url)
    catalogue(2, researcher)
    assert queries(client, url) == one
    assert one <= 12


def test_individual_page(client, researcher):
    client.force_login(researcher)
    ind = individual(1, researcher)
    one = queries(client, ind.get_absolute_url())
    for _ in range(2):
        confirmed(researcher, ind, sighting=SightingFactory())
    assert queries(client, ind.get_absolute_url()) == one
    assert one <= 16


def test_review_queue_and_review_page(client, researcher):
    client.force_login(researcher)
    ind = IndividualFactory()
    for _ in range(1):
        PhotoFactory(proposed_individual=ind)
    one = queries(client, reverse("dois:review_queue"))
    for _ in range(2):
        confirmed(researcher, ind)  # three recent decisions listed
        PhotoFactory(proposed_individual=IndividualFactory())
    assert queries(client, reverse("dois:review_queue")) == one
    assert one <= 14


@pytest.mark.parametrize("n", [1, 3])
def test_review_page(client, researcher, django_assert_max_num_queries, n):
    client.force_login(researcher)
    job = job_with(n, researcher)
    sighting = job.photo.sighting
    for _ in range(n):
        PhotoFactory(sighting=sighting)  # photos of the same sighting: an encounter
    with django_assert_max_num_queries(30):
        assert client.get(reverse("dois:review", kwargs={"pk": job.photo_id})).status_code \
            == 200


def test_review_page_does_not_grow_with_candidates(client, researcher):
    client.force_login(researcher)
    small, large = job_with(1, researcher), job_with(3, researcher)
    PhotoFactory()  # neither is the last of the queue (next wraps around with a query)
    assert queries(client, reverse("dois:review", kwargs={"pk": small.photo_id})) == \
        queries(client, reverse("dois:review", kwargs={"pk": large.photo_id}))


def test_job_page_does_not_grow_with_candidates(client, researcher):
    client.force_login(researcher)
    small, large = job_with(1, researcher), job_with(3, researcher)
    one = queries(client, reverse("dois:job", kwargs={"pk": small.pk}))
    assert queries(client, reverse("dois:job", kwargs={"pk": large.pk})) == one
    assert one <= 12


def test_my_photos(client, volunteer, researcher):
    client.force_login(volunteer)
    confirmed(researcher, IndividualFactory(), uploaded_by=volunteer)
    one = queries(client, reverse("dois:mine"))
    for _ in range(2):
        confirmed(researcher, IndividualFactory(), uploaded_by=volunteer)
        PhotoFactory(uploaded_by=volunteer)
    assert queries(client, reverse("dois:mine")) == one
