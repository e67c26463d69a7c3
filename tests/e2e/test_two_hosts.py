"""Hosts that share nothing but the services (issue 18): a web process and identify
workers, each in its own working directory with its own empty ``var/`` and media folder,
talking only through PostgreSQL, Redis and an S3-compatible store (moto's server, started
by scripts/with_services.py).

A volunteer's bulk upload through the API on the web host is identified by a worker on
another host, reading the originals from S3; a worker killed mid-run is replaced by a
third host, and no job is lost or done twice. No host writes a media file locally.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rest_framework.authtoken.models import Token

from tests.support import S3_KEY, S3_SECRET, s3_endpoint, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
PHOTOS = 20


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bucket(s3_bucket) -> tuple:
    """A fresh private bucket, also this test process's default storage."""
    client, name = s3_bucket
    return client, name, s3_endpoint()


def _host(tmp_path: Path, name: str, *, base: dict[str, str], bucket: tuple) -> tuple:
    """A host's folder and environment: its own cwd, var/ and media, S3 for files."""
    _client, bucket_name, endpoint = bucket
    home = tmp_path / name
    (home / "var" / "media").mkdir(parents=True)
    env = dict(base)
    env.update({
        "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "hub.settings",
        "HUB_VAR_DIR": str(home / "var"), "MEDIA_ROOT": str(home / "var" / "media"),
        "DOIS_MODEL_DIR": str(home / "var" / "models"),
        "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": bucket_name,
        "AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET, "DEBUG": "1",
    })
    return home, env


@pytest.fixture
def web_host(tmp_path, worker_env, bucket) -> Iterator[tuple[str, Path]]:
    """gunicorn, as in production, in its own folder; yields (base URL, host folder)."""
    home, env = _host(tmp_path, "web", base=worker_env, bucket=bucket)
    port = _free_port()
    log = (home / "gunicorn.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hub.wsgi:application", "-b",
         f"127.0.0.1:{port}", "-w", "2", "--timeout", "120"],
        cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def _stop() -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
        log.close()

    deadline = time.monotonic() + 90
    while True:
        problem = ""
        if proc.poll() is not None:
            problem = "gunicorn exited"
        elif time.monotonic() > deadline:
            problem = "gunicorn did not answer"
        if problem:
            _stop()
            pytest.fail(f"{problem}:\n{(home / 'gunicorn.log').read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/api/v1/individuals/", timeout=10).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.3)
    try:
        yield url, home
    finally:
        _stop()


def _local_files(home: Path) -> list[Path]:
    return [p for p in (home / "var" / "media").rglob("*") if p.is_file()]


def _statuses(ids) -> dict[int, str]:
    from dois.models import IdentificationJob

    return dict(IdentificationJob.objects.filter(pk__in=ids).values_list("pk", "status"))


def test_an_api_upload_on_one_host_is_identified_on_another_and_survives_a_killed_worker(
        settings, web_host, bucket, worker_env, start_worker, purge_queues, tmp_path):
    from dois import services
    from dois.models import Candidate, Embedding, IdentificationJob, Photo
    from tests.dois.factories import image_bytes
    from tests.dois.jobs_support import gallery_make
    from tests.hub.factories import UserFactory

    client, bucket_name, _endpoint = bucket
    url, web_home = web_host
    # the catalogue: two individuals with reference photos stored on S3 and processed here
    version = services.model_version_ensure_shipped()
    assert version is not None
    inds, refs = gallery_make(individuals=2, per_individual=1, model_version=version)
    assert Embedding.objects.filter(model_version=version).count() == 2
    volunteer = UserFactory(username="boat1", roles=["volunteer"])
    token = Token.objects.create(user=volunteer).key

    job_ids = []
    for seed in range(PHOTOS):  # a survey's photos, one request each, as an app sends them
        response = requests.post(
            f"{url}/api/v1/photos/", headers={"Authorization": f"Bearer {token}"},
            files={"image": (f"fin-{seed}.jpg", image_bytes(seed=500 + seed), "image/jpeg")},
            data={"observed_at": "2024-05-01T08:00:00+08:00", "latitude": "22.2",
                  "longitude": "113.7", "side": "left"}, timeout=60)
        assert response.status_code == 201, response.text
        job_ids.append(response.json()["job"])
    assert len(set(job_ids)) == PHOTOS
    photos = Photo.objects.filter(jobs__in=job_ids).distinct()
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket_name)["Contents"]}
    assert {p.original.name for p in photos} <= keys  # the originals are on S3 only
    assert not _local_files(web_home)

    # host 2 starts identifying and is killed mid-run; host 3 takes over
    home2, env2 = _host(tmp_path, "worker-a", base=worker_env, bucket=bucket)
    victim = start_worker(queues="identify", name="host-a", env=env2, cwd=home2)
    wait_for(lambda: "running" in _statuses(job_ids).values(), timeout=120,
             what="host a at work")
    victim.kill(9)
    assert any(s != "done" for s in _statuses(job_ids).values())  # killed mid-run
    home3, env3 = _host(tmp_path, "worker-b", base=worker_env, bucket=bucket)
    start_worker(queues="identify", name="host-b", env=env3, cwd=home3)
    services.identification_jobs_sweep(older_than_s=0)  # what beat does after the timeout
    wait_for(lambda: all(s == "done" for s in _statuses(job_ids).values()), timeout=180,
             what="every job done on host b")

    jobs = list(IdentificationJob.objects.filter(pk__in=job_ids))
    assert all(1 <= j.attempts <= services.MAX_ATTEMPTS for j in jobs)
    # one result each: one row per photo and version, candidates written once per job
    assert Embedding.objects.filter(photo__in=photos, model_version=version).count() == PHOTOS
    per_job = {j.pk: Candidate.objects.filter(job=j).count() for j in jobs}
    assert all(n <= len(inds) for n in per_job.values())
    searched = [j for j in jobs if not getattr(j, "outline_reason", "")]
    assert searched and all(per_job[j.pk] == len(inds) for j in searched)
    ranked = Candidate.objects.filter(job__in=searched).values_list("individual_id", flat=True)
    assert set(ranked) == {i.pk for i in inds}
    # no host kept a media file of its own: everything went through S3
    for home in (web_home, home2, home3):
        assert not _local_files(home), home
    # the web host serves a derivative rendered from S3 (after a signed redirect)
    crop = requests.get(f"{url}/en/dois/photos/{refs[0].pk}/crop.jpg", timeout=30)
    assert crop.status_code == 200 and crop.content[:2] == b"\xff\xd8"


@pytest.mark.slow
def test_a_model_trained_on_one_host_is_loaded_by_an_identify_worker_on_another(
        settings, bucket, worker_env, start_worker, purge_queues, tmp_path):
    from dois import services
    from dois.models import IdentificationJob, ModelVersion, Photo, TrainingRun
    from tests.dois.factories import PhotoFactory
    from tests.dois.jobs_support import gallery_make
    from tests.dois.services.test_training import TINY_RUN
    from tests.hub.factories import UserFactory

    first = services.model_version_ensure_shipped()
    inds, _refs = gallery_make(individuals=2, per_individual=2, model_version=first)
    for ind in inds:
        PhotoFactory(individual=ind, state=Photo.State.CONFIRMED, split=Photo.Split.EVAL)
    researcher = UserFactory(username="lab1", roles=["researcher"])
    trainer_home, trainer_env = _host(tmp_path, "trainer", base=worker_env, bucket=bucket)
    identify_home, identify_env = _host(tmp_path, "identify", base=worker_env, bucket=bucket)
    start_worker(queues="train", name="trainer-host", env=trainer_env, cwd=trainer_home)
    start_worker(queues="identify", name="identify-host", env=identify_env, cwd=identify_home)

    run = services.training_run_start(actor=researcher, params=TINY_RUN)
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status in ("done", "failed"),
             timeout=400, what="the training run on the trainer host")
    run.refresh_from_db()
    assert run.status == "done", run.error
    version = run.model_version
    assert version.file_path.startswith("storage:dois/models/")
    assert not list((trainer_home / "var" / "media").rglob("*.*"))

    services.model_version_activate(model_version=version, actor=researcher)  # train queue
    wait_for(lambda: ModelVersion.objects.get(pk=version.pk).is_active, timeout=180,
             what="the gallery re-embedded on the trainer host, then the switch")
    from django.db import transaction

    with transaction.atomic():
        job = services.identification_job_create(photo=PhotoFactory())
    assert job.model_version_id == version.pk
    wait_for(lambda: IdentificationJob.objects.get(pk=job.pk).status in ("done", "failed"),
             timeout=120, what="the job on the identify host")
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.candidates.count() == len(inds)
    # the identify host fetched the trained model from the store into its own folder
    fetched = list((identify_home / "var" / "models" / "cache").rglob("*.keras"))
    assert [p.name for p in fetched] == [version.file_path.rsplit("/", 1)[1]]
