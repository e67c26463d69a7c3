"""GET /api/v1/jobs/<id>/: state, candidates, visibility, Bearer tokens."""

from __future__ import annotations

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dois import services
from dois.models import Photo
from tests.dois.factories import PhotoFactory
from tests.dois.jobs_support import gallery_make

pytestmark = pytest.mark.django_db


def _job(**photo_fields):
    with transaction.atomic():
        return services.identification_job_create(photo=PhotoFactory(**photo_fields))


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_done_job_answers_status_candidates_probability_and_version(model_version,
                                                                      volunteer):
    inds, _refs = gallery_make(individuals=2, per_individual=1, model_version=model_version)
    job = _job(uploaded_by=volunteer)
    services.identification_jobs_run(job_ids=[job.pk])
    body = _as(volunteer).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["status"] == "done" and body["model_version"] == "tiny-t1"
    assert {c["individual"] for c in body["candidates"]} == {i.code for i in inds}
    assert body["candidates"][0]["score"] >= body["candidates"][1]["score"]
    assert 0.0 <= body["new_individual_probability"] <= 1.0
    assert body["delayed"] is False


def test_an_unsent_job_says_it_is_delayed(model_version, volunteer):
    job = _job(uploaded_by=volunteer)  # never committed, so never sent: broker down
    body = _as(volunteer).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["status"] == "queued" and body["delayed"] is True
    assert body["candidates"] == [] and body["new_individual_probability"] is None


def test_visitors_read_public_jobs_only_uploaders_their_own_with_a_bearer_token(
        model_version, volunteer, researcher):
    public = _job(state=Photo.State.CONFIRMED)
    unreviewed = _job()  # public once confirmed, but nobody has reviewed it yet
    private = _job(is_public=False)
    own = _job(is_public=False, uploaded_by=volunteer)
    unusable = _job(state=Photo.State.UNUSABLE)
    visitor = APIClient()
    assert visitor.get(f"/api/v1/jobs/{public.pk}/").status_code == 200
    assert visitor.get(f"/api/v1/jobs/{private.pk}/").status_code == 404
    assert visitor.get(f"/api/v1/jobs/{unreviewed.pk}/").status_code == 404
    assert visitor.get(f"/api/v1/jobs/{unusable.pk}/").status_code == 404
    assert visitor.get("/api/v1/jobs/999999/").status_code == 404
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=volunteer).key}")
    assert bearer.get(f"/api/v1/jobs/{own.pk}/").status_code == 200
    assert bearer.get(f"/api/v1/jobs/{private.pk}/").status_code == 404
    assert bearer.get(f"/api/v1/jobs/{unreviewed.pk}/").status_code == 404
    staff = APIClient()
    staff.force_authenticate(researcher)
    assert staff.get(f"/api/v1/jobs/{private.pk}/").status_code == 200
