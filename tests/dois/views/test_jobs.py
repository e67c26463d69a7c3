"""The job page (live state from a static script) and the training page."""

from __future__ import annotations

import pytest
from django.db import transaction

from dois import services
from dois.models import ModelVersion, TrainingRun
from tests.dois.factories import PhotoFactory
from tests.dois.jobs_support import gallery_make

pytestmark = pytest.mark.django_db


def _job(**photo_fields):
    with transaction.atomic():
        return services.identification_job_create(photo=PhotoFactory(**photo_fields))


def test_a_queued_job_page_polls_the_api_with_a_static_script(
        client, model_version, volunteer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(uploaded_by=volunteer)
    client.force_login(volunteer)
    html = client.get(f"/en/dois/jobs/{job.pk}/").content.decode()
    assert f'data-status-url="/api/v1/jobs/{job.pk}/"' in html
    assert "dois/job.js" in html and "<script>" not in html and "style=" not in html
    assert 'id="job-delayed" class="notice" hidden' in html


def test_a_delayed_job_page_tells_the_user(client, model_version, volunteer):
    job = _job(uploaded_by=volunteer)
    client.force_login(volunteer)
    type(job).objects.filter(pk=job.pk).update(sent_at=None)
    html = client.get(f"/en/dois/jobs/{job.pk}/").content.decode()
    assert "Identification is delayed" in html
    assert 'id="job-delayed" class="notice">' in html


def test_a_done_job_page_shows_candidates_with_reference_photos_and_review_link(
        client, model_version, researcher, volunteer):
    inds, refs = gallery_make(individuals=2, per_individual=2, model_version=model_version)
    job = _job(uploaded_by=volunteer)
    services.identification_jobs_run(job_ids=[job.pk])
    client.force_login(volunteer)
    html = client.get(f"/en/dois/jobs/{job.pk}/").content.decode()
    for ind in inds:
        assert ind.code in html
    best = job.candidates.order_by("rank").first()
    assert f"/dois/photos/{best.photo_id}/crop.jpg" in html
    assert "Review and decide" not in html  # volunteers do not review
    client.force_login(researcher)
    html = client.get(f"/en/dois/jobs/{job.pk}/").content.decode()
    assert f"/en/dois/review/{job.photo_id}/" in html
    zh = client.get(f"/zh-hans/dois/jobs/{job.pk}/").content.decode()
    assert "候选" in zh


def test_private_and_unreviewed_job_pages_are_hidden_from_visitors(client, model_version,
                                                                   volunteer):
    private = _job(is_public=False)
    unreviewed = _job(uploaded_by=volunteer)  # public once confirmed; not reviewed yet
    assert client.get(f"/en/dois/jobs/{private.pk}/").status_code == 404
    assert client.get(f"/en/dois/jobs/{unreviewed.pk}/").status_code == 404
    client.force_login(volunteer)
    assert client.get(f"/en/dois/jobs/{unreviewed.pk}/").status_code == 200


def test_training_page_starts_a_run_and_researchers_only(
        client, researcher, volunteer, model_version, _no_broker,
        django_capture_on_commit_callbacks):
    client.force_login(volunteer)
    assert client.get("/en/dois/training/").status_code == 403
    client.force_login(researcher)
    html = client.get("/en/dois/training/").content.decode()
    assert model_version.name in html and "dois/training.js" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/dois/training/", {"epochs": 2, "synthetic": 10})
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert run.params["epochs"] == 2 and run.requested_by == researcher
    assert ("dois.tasks.train_model", [run.pk], "train") in _no_broker
    status = client.get(f"/en/dois/training/runs/{run.pk}.json").json()
    assert status["status"] == "queued" and status["progress"] == 0


def test_activate_button_starts_gallery_embedding(client, researcher, model_version,
                                                  _no_broker,
                                                  django_capture_on_commit_callbacks):
    other = ModelVersion.objects.create(name="other", file_path=model_version.file_path,
                                        embedding_dim=32, input_size=64, threshold=0.5)
    client.force_login(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/dois/models/{other.pk}/activate/")
    other.refresh_from_db()
    assert other.state == "embedding_gallery" and not other.is_active
    assert ("dois.tasks.reembed_gallery", [other.pk, researcher.pk], "train") in _no_broker
