"""The outline on the pages (issue 13): the outline page and its correction form, the job
page (volunteer), the review page and queue (researcher) with the edge overlays, and
their query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dois import services
from dois.models import IdentificationJob, Outline, Photo
from tests.dois.factories import IndividualFactory, UserFactory
from tests.dois.jobs_support import edge_job_make, fin_photo

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_volunteer_sees_the_outline_and_its_tool_on_the_job_page(
        client, edge_version, researcher, volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer)
    client.force_login(volunteer)
    html = client.get(reverse("dois:job", kwargs={"pk": job.pk})).content.decode()
    assert 'class="outline-view outline-editor"' in html
    assert 'data-handle="tip"' in html and 'data-handle="trailing_end"' in html
    assert f'action="{reverse("dois:photo_outline", kwargs={"pk": job.photo_id})}"' in html
    assert "csrfmiddlewaretoken" in html and "dois/outline.js" in html
    assert "<script>" not in html  # CSP: no inline script
    # another volunteer sees no tool (and not the photo's outline page either)
    other = UserFactory(username="other", roles=["volunteer"])
    client.force_login(other)
    url = reverse("dois:photo_outline", kwargs={"pk": job.photo_id})
    page = client.get(url)
    assert page.status_code == 404 or "outline-editor" not in page.content.decode()
    assert client.post(url, {"action": "accept", "revision": 0}).status_code in (403, 404)


def test_a_correction_posted_from_the_page_re_identifies_once(
        client, edge_version, researcher, volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer)
    client.force_login(volunteer)
    tip = job.outline.data["tip"]
    data = {"action": "move", "tip": f"{tip[0] + 4:.2f},{tip[1] + 1:.2f}",
            "revision": job.photo.revision, "outline": job.outline_id}
    url = reverse("dois:photo_outline", kwargs={"pk": job.photo_id})
    response = client.post(url, data)
    new = IdentificationJob.objects.exclude(pk=job.pk).get(photo=job.photo)
    assert response.status_code == 302 and response["Location"] == reverse(
        "dois:job", kwargs={"pk": new.pk})
    person = Outline.objects.get(photo=job.photo, made_by="person")
    assert person.created_by == volunteer and person.action == "move"
    client.post(url, data)  # sent twice
    assert IdentificationJob.objects.filter(photo=job.photo).count() == 2
    # the outline page shows who checked it
    html = client.get(url).content.decode()
    assert f"checked by {volunteer}" in html


def test_outline_post_needs_the_csrf_token(edge_version, researcher, volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    response = client.post(reverse("dois:photo_outline", kwargs={"pk": job.photo_id}),
                           {"action": "accept", "revision": job.photo.revision})
    assert response.status_code == 403
    assert not Outline.objects.filter(made_by="person").exists()


def test_anonymous_and_the_decided_photo_s_volunteer_cannot_correct(
        client, edge_version, researcher, volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer)
    url = reverse("dois:photo_outline", kwargs={"pk": job.photo_id})
    assert client.post(url, {"action": "accept", "revision": 0}).status_code in (302, 403, 404)
    services.decision_record(photo=job.photo, action="confirm",
                             individual=IndividualFactory(), actor=researcher)
    client.force_login(volunteer)
    assert client.post(url, {"action": "accept",
                             "revision": Photo.objects.get(pk=job.photo_id).revision}
                       ).status_code == 403
    assert "outline-editor" not in client.get(
        reverse("dois:job", kwargs={"pk": job.pk})).content.decode()
    client.force_login(researcher)
    response = client.post(url, {"action": "accept",
                                 "revision": Photo.objects.get(pk=job.photo_id).revision})
    assert response.status_code == 302
    assert Outline.objects.get(made_by="person").created_by == researcher


def test_review_page_overlays_the_query_edge_on_each_candidate(client, edge_version,
                                                               researcher):
    job = edge_job_make(edge_version, researcher, candidates=2)
    client.force_login(researcher)
    html = client.get(reverse("dois:review", kwargs={"pk": job.photo_id})).content.decode()
    assert html.count('class="edge-overlay"') == 2
    assert html.count('class="edge-query"') == 2 and 'data-edge-zoom="in"' in html
    assert 'class="outline-view outline-editor"' in html  # the researcher's tool


def test_no_usable_outline_is_flagged_on_the_job_page_queue_and_review(
        client, edge_version, researcher, volunteer):
    job = edge_job_make(edge_version, researcher, uploaded_by=volunteer, reason="no_fin")
    client.force_login(volunteer)
    html = client.get(reverse("dois:job", kwargs={"pk": job.pk})).content.decode()
    assert "No usable outline: No fin found in the crop" in html
    client.force_login(researcher)
    assert "No usable outline" in client.get(reverse("dois:review_queue")).content.decode()
    html = client.get(reverse("dois:review", kwargs={"pk": job.photo_id})).content.decode()
    assert "No usable outline" in html


def test_pages_do_not_grow_with_candidates(client, edge_version, researcher):
    client.force_login(researcher)
    small = edge_job_make(edge_version, researcher, candidates=1)
    large = edge_job_make(edge_version, researcher, candidates=3)
    fin_photo()  # neither is the last of the queue (next wraps around with a query)
    for name, key in (("dois:job", "pk"), ("dois:review", "photo_id")):
        one = queries(client, reverse(name, kwargs={"pk": getattr(small, key)}))
        assert queries(client, reverse(name, kwargs={"pk": getattr(large, key)})) == one
    outline = queries(client, reverse("dois:photo_outline", kwargs={"pk": small.photo_id}))
    assert outline <= 16


def test_the_versions_page_names_each_version_s_method(client, edge_version, researcher):
    from dois.services import model_versions_register_shipped

    model_versions_register_shipped()  # the appearance model beside it, inactive
    client.force_login(researcher)
    html = client.get(reverse("dois:training")).content.decode()
    assert "Fin outline (trailing edge)" in html and "Whole-crop appearance" in html
    assert html.count('action="/en/dois/models/') >= 1  # the other one can be activated
