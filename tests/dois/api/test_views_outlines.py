"""The outline in the API (issue 13): photo and job answers carry it for whoever may see
the photo (points of the crop, never a place); ``POST /api/v1/photos/<id>/outline/``
corrects it through the same service, permissions and throttle as the pages."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from dois import services
from dois.models import IdentificationJob, Outline
from tests.dois.factories import IndividualFactory, UserFactory
from tests.dois.jobs_support import edge_job_make

pytestmark = pytest.mark.django_db

KEYS = {"points": ("trailing", "tip", "trailing_end", "leading_end", "contour"),
        "facts": ("facing", "confidence", "made_by", "method", "reason", "image_size")}


def _as(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _post(client, photo_id, body):
    return client.post(f"/api/v1/photos/{photo_id}/outline/", json.dumps(body),
                       content_type="application/json")


def test_job_and_photo_answers_carry_the_outline(edge_version, researcher, volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer)
    body = _as(volunteer).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["method"] == "edge" and body["outline_reason"] == ""
    outline = body["outline"]
    for key in KEYS["points"] + KEYS["facts"]:
        assert key in outline, key
    assert outline["made_by"] == "machine" and outline["reason"] == "ok"
    assert len(outline["trailing"]) > 10 and len(outline["tip"]) == 2
    photo = _as(volunteer).get(f"/api/v1/photos/{job.photo_id}/").json()
    assert photo["outline"]["id"] == outline["id"]
    listed = {p["id"]: p for p in _as(volunteer).get("/api/v1/photos/").json()["results"]}
    assert listed[job.photo_id]["outline"]["id"] == outline["id"]
    # points of the crop only: nothing of the place the photo was taken
    text = json.dumps(outline)
    assert "latitude" not in text and "longitude" not in text and "exif" not in text


def test_a_photo_without_a_usable_outline_says_why(edge_version, researcher, volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer, reason="tip_cut")
    body = _as(volunteer).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["outline_reason"] == "tip_cut" and body["candidates"] == []
    assert body["new_individual_probability"] is None


def test_the_photo_list_reads_outlines_for_the_page_at_once(
        edge_version, researcher, django_assert_max_num_queries):
    for _ in range(3):
        edge_job_make(edge_version, researcher)
    client = _as(researcher)
    client.get("/api/v1/photos/")  # warm caches (permissions, settings)
    with django_assert_max_num_queries(14):
        assert len(client.get("/api/v1/photos/").json()["results"]) >= 6


def test_post_corrects_the_outline_once_and_re_identifies(edge_version, researcher,
                                                          volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer)
    tip = job.outline.data["tip"]
    body = {"action": "move", "tip": [tip[0] + 3, tip[1] + 2],
            "revision": job.photo.revision, "outline": job.outline_id}
    response = _post(_as(volunteer), job.photo_id, body)
    assert response.status_code == 201, response.content
    answer = response.json()
    new = IdentificationJob.objects.get(pk=answer["job"])
    assert new.photo_id == job.photo_id and answer["revision"] == job.photo.revision + 1
    assert answer["outline"]["made_by"] == "person" and answer["outline"]["action"] == "move"
    person = Outline.objects.get(pk=answer["outline"]["id"])
    assert person.created_by == volunteer
    again = _post(_as(volunteer), job.photo_id, body)  # sent twice
    assert again.status_code == 200 and again.json()["job"] is None
    assert IdentificationJob.objects.filter(photo_id=job.photo_id).count() == 2
    # a stale revision now conflicts
    stale = _post(_as(volunteer), job.photo_id, {**body, "tip": [tip[0], tip[1] + 5]})
    assert stale.status_code == 409 and "revision" in stale.json()


def test_post_permissions(edge_version, researcher, volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer)
    body = {"action": "accept"}
    assert _post(_as(), job.photo_id, body).status_code == 401
    other = UserFactory(username="other", roles=["volunteer"])
    assert _post(_as(other), job.photo_id, body).status_code in (403, 404)
    assert _post(_as(volunteer), job.photo_id, {"action": "fly"}).status_code == 400
    services.decision_record(photo=job.photo, action="confirm",
                             individual=IndividualFactory(), actor=researcher)
    assert _post(_as(volunteer), job.photo_id, body).status_code == 403
    assert not Outline.objects.filter(made_by="person").exists()
    assert _post(_as(researcher), job.photo_id, body).status_code == 201


def test_post_is_throttled_like_uploads(settings, edge_version, researcher, volunteer):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "uploads": "2/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api_settings.reload()
    old = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    cache.clear()
    try:
        codes = [_post(_as(volunteer), job.photo_id, {"action": "fly"}).status_code
                 for _ in range(3)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = old
    assert codes == [400, 400, 429]
