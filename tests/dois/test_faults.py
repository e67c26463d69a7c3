"""Faults the job system survives, with real workers, Redis and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dois import services
from dois.health import check_model
from dois.models import Candidate, Embedding, IdentificationJob, ModelVersion
from dois.selectors import job_delayed
from hub.celery import app
from tests.dois.factories import PhotoFactory, upload
from tests.dois.jobs_support import gallery_make
from tests.support import broker_dead, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _statuses(ids):
    return dict(IdentificationJob.objects.filter(pk__in=ids).values_list("pk", "status"))


def _all(ids, status):
    return lambda: all(s == status for s in _statuses(ids).values())


def _submit(volunteer, seeds):
    _sighting, results = services.sighting_with_photos_submit(
        actor=volunteer,
        sighting_fields={"observed_at": timezone.now(), "latitude": 22.3, "longitude": 113.8},
        uploads=[upload(seed=s) for s in seeds],
        options=[services.PhotoOptions() for _ in seeds])
    return [r.job.pk for r in results]


def test_broker_down_at_submit_saves_jobs_and_the_sweep_sends_them_later(
        model_version, volunteer, monkeypatch, start_worker, purge_queues):
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    with broker_dead(monkeypatch):
        ids = _submit(volunteer, [300, 301, 302])
    jobs = list(IdentificationJob.objects.filter(pk__in=ids))
    assert len(jobs) == 3 and all(j.status == "queued" and j.sent_at is None for j in jobs)
    assert all(job_delayed(job=j) for j in jobs)  # what the pages and the API tell the user

    start_worker(queues="identify", name="after-outage")
    report = services.identification_jobs_sweep(older_than_s=0)
    assert sorted(report.resent) == sorted(ids)
    wait_for(_all(ids, "done"), what="jobs done after the broker came back")
    assert Candidate.objects.filter(job_id__in=ids).count() == 3 * 2


def test_a_worker_killed_mid_batch_loses_no_job_and_none_runs_twice(
        settings, model_version, volunteer, start_worker, purge_queues):
    settings.DOIS_IDENTIFY_BATCH = 4
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    ids = _submit(volunteer, range(400, 412))  # 3 batch tasks wait in the queue
    victim = start_worker(queues="identify", name="victim")
    running = wait_for(lambda: [pk for pk, s in _statuses(ids).items() if s == "running"],
                       timeout=60, what="a batch running")
    victim.kill(9)
    assert any(s != "done" for s in _statuses(ids).values())

    start_worker(queues="identify", name="rescuer")
    services.identification_jobs_sweep(older_than_s=0)  # what beat does after the timeout
    wait_for(_all(ids, "done"), timeout=90, what="every job done after the kill")
    jobs = list(IdentificationJob.objects.filter(pk__in=ids))
    assert Candidate.objects.filter(job_id__in=ids).count() == 12 * 2  # one result each
    assert Embedding.objects.filter(photo__jobs__in=ids, model_version=model_version
                                    ).count() == 12
    by_id = {j.pk: j for j in jobs}
    assert all(by_id[pk].attempts == 2 for pk in running)  # the killed batch ran again
    assert all(1 <= j.attempts <= services.MAX_ATTEMPTS for j in jobs)


def test_missing_model_fails_jobs_clearly_and_the_worker_stays_up(
        model_version, tmp_path, start_worker, purge_queues):
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    good_path = model_version.file_path
    ModelVersion.objects.filter(pk=model_version.pk).update(
        file_path=str(tmp_path / "gone.keras"))
    worker = start_worker(queues="identify", name="no-model")
    with transaction.atomic():
        jobs = [services.identification_job_create(photo=PhotoFactory()) for _ in range(2)]
    ids = [j.pk for j in jobs]
    wait_for(_all(ids, "failed"), what="jobs failed")
    for job in IdentificationJob.objects.filter(pk__in=ids):
        assert job.error_code == "model_unavailable"
        assert "cannot be used" in job.error and "model file missing" in job.error
        assert str(tmp_path) not in job.error  # the file's name, not where it lives
    ok, detail = check_model()
    assert not ok and "missing" in detail
    assert worker.proc.poll() is None
    assert app.control.ping(destination=[worker.name], timeout=2)
    assert services.identification_jobs_sweep(older_than_s=0).requeued == []  # still gone

    ModelVersion.objects.filter(pk=model_version.pk).update(file_path=good_path)
    assert check_model()[0]
    # the beat's sweep re-queues the jobs of the outage, and the same worker runs them
    report = services.identification_jobs_sweep(older_than_s=0)
    assert sorted(report.requeued) == sorted(ids)
    wait_for(_all(ids, "done"), what="the outage's jobs identified once the model is back")
    assert Candidate.objects.filter(job_id__in=ids).count() == 2 * 2
    assert set(IdentificationJob.objects.filter(pk__in=ids).values_list(
        "model_requeues", "error_code")) == {(1, "")}
    with transaction.atomic():
        job = services.identification_job_create(photo=PhotoFactory())
    wait_for(_all([job.pk], "done"), what="the same worker identifies again")


@pytest.mark.parametrize("method", ["edge", "appearance"])
def test_photos_saved_while_the_shipped_model_was_missing_are_identified_later(
        method, settings, tiny_model_path, tmp_path, volunteer, start_worker, purge_queues):
    """A fresh install whose method's file (the segmenter, or the appearance model) is not
    there yet: photos are saved without a job; once the file is in place the beat's sweep
    creates version one and the jobs."""
    from dois.ml.segment import DEFAULT_SEGMENTER_PATH

    settings.DOIS_METHOD = method
    if method == "edge":
        settings.DOIS_MODEL_PATH = str(tiny_model_path)
        settings.DOIS_SEGMENTER_PATH = str(tmp_path / "fin-segmenter-v1.keras")
        source, target = DEFAULT_SEGMENTER_PATH, Path(settings.DOIS_SEGMENTER_PATH)
    else:
        settings.DOIS_MODEL_PATH = str(tmp_path / "fin-embedder-v1.keras")
        source, target = tiny_model_path, Path(settings.DOIS_MODEL_PATH)
    _sighting, results = services.sighting_with_photos_submit(
        actor=volunteer,
        sighting_fields={"observed_at": timezone.now(), "latitude": 22.3, "longitude": 113.8},
        uploads=[upload(seed=s) for s in (330, 331)],
        options=[services.PhotoOptions() for _ in range(2)])
    assert all(r.photo and r.job is None for r in results)
    assert services.identification_jobs_sweep(older_than_s=0).created == []

    for suffix in (".keras", ".json", ".tflite"):
        if source.with_suffix(suffix).exists():
            shutil.copy(source.with_suffix(suffix), target.with_suffix(suffix))
    start_worker(queues="identify", name="model-arrived",
                 env={"DOIS_MODEL_PATH": settings.DOIS_MODEL_PATH})
    report = services.identification_jobs_sweep(older_than_s=0)
    assert len(report.created) == 2
    wait_for(_all(report.created, "done"), what="jobs created by the sweep identified")
    version = ModelVersion.objects.get(is_active=True)
    assert version.kind == method
    assert version.file_path == services.model_version_file_value(path=target)


def test_a_corrupt_image_fails_alone_in_its_batch(model_version, start_worker, purge_queues):
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    start_worker(queues="identify", name="corrupt")
    with transaction.atomic():  # one batch task, as an upload sends them
        good = [services.identification_job_create(photo=PhotoFactory(), send=False)
                for _ in range(3)]
        bad = services.identification_job_create(photo=PhotoFactory(
            original=ContentFile(b"\xff\xd8\xff\xe0 broken", "broken.jpg")), send=False)
        services.identification_jobs_send_on_commit(job_ids=[j.pk for j in (*good, bad)])
    ids = [j.pk for j in good]
    wait_for(_all(ids, "done"), what="good jobs done")
    wait_for(_all([bad.pk], "failed"), what="corrupt job failed")
    bad.refresh_from_db()
    assert "not a readable image" in bad.error
    assert {j.timings["batch_size"] for j in IdentificationJob.objects.filter(pk__in=ids)} == {3}


def test_broker_down_the_api_and_the_upload_page_tell_the_user(model_version, volunteer,
                                                                monkeypatch, client):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=volunteer).key}")
    client.force_login(volunteer)
    sighting = {"observed_at": "2026-05-01T09:30", "latitude": 22.21, "longitude": 113.71}
    with broker_dead(monkeypatch):
        response = api.post("/api/v1/photos/", {"image": upload(seed=310), **sighting},
                            format="multipart")
        page = client.post("/en/dois/submit/", {
            **{f"sighting-{k}": v for k, v in sighting.items()},
            "side": "left", "images": [upload(seed=311)]}, follow=True)
    assert response.status_code == 201, response.content
    assert response.json()["identification_delayed"] is True
    assert IdentificationJob.objects.get(pk=response.json()["job"]).status == "queued"
    assert page.status_code == 200
    assert "Identification is delayed" in page.text
    assert IdentificationJob.objects.filter(sent_at__isnull=True).count() == 2
