"""The cached gallery of a model version (dois.services.gallery) takes a confirmed
photo in at once."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from dois import services
from tests.dois.factories import IndividualFactory, PhotoFactory
from tests.dois.jobs_support import gallery_make, job_create

pytestmark = pytest.mark.django_db


def test_confirming_a_photo_puts_its_job_embedding_into_the_cached_gallery(
        model_version, researcher, settings, django_assert_num_queries):
    settings.DOIS_GALLERY_RECHECK_S = 60  # only the cheap checks from here on
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    before = services.gallery_get(model_version=model_version)
    job = job_create()
    services.identification_jobs_run(job_ids=[job.pk])
    # a query's embedding is not a gallery row: the cached gallery stays, checked by a
    # single statement whose cost does not grow with the catalogue
    with django_assert_num_queries(1):
        assert services.gallery_get(model_version=model_version) is before
    target = IndividualFactory()
    services.decision_record(photo=job.photo, action="confirm", actor=researcher,
                             individual=target)
    after = services.gallery_get(model_version=model_version)  # at once, not after 60 s
    assert after is not before and len(after.photo_ids) == len(before.photo_ids) + 1
    assert after.individual_ids[after.row_of_photo[job.photo_id]] == target.pk


def test_a_reference_embedded_after_its_confirmation_joins_the_cached_gallery_at_once(
        model_version, researcher, settings):
    """The demo's case: photos confirmed first, their jobs run while queries wait."""
    settings.DOIS_GALLERY_RECHECK_S = 60
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    before = services.gallery_get(model_version=model_version)
    target = IndividualFactory()
    reference = job_create()
    services.decision_record(photo=reference.photo, action="confirm", actor=researcher,
                             individual=target)
    assert services.gallery_get(model_version=model_version).photo_ids == before.photo_ids
    services.identification_jobs_run(job_ids=[reference.pk])  # stores its embedding
    query = job_create(PhotoFactory(original=ContentFile(
        reference.photo.original.open("rb").read(), "twin.jpg"), sha256="e" * 64))
    services.identification_jobs_run(job_ids=[query.pk])
    assert query.candidates.order_by("rank").first().individual == target
