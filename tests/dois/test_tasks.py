"""Tasks: routes and options, and a real worker that identifies a bulk upload."""

from __future__ import annotations

import shutil

import pytest
from django.db import transaction
from django.utils import timezone

from dois import services
from dois import tasks as dois_tasks
from dois.demo import fin_image, fin_upload
from dois.models import Candidate, IdentificationJob, ModelVersion
from dois.services import identification_job_create, model_version_activate
from hub.celery import app
from tests.dois.factories import PhotoFactory, upload
from tests.dois.jobs_support import fin_gallery_make, gallery_make
from tests.support import task_queue, wait_for


def test_tasks_go_to_their_queues():
    assert task_queue("dois.tasks.identify_batch") == "identify"
    assert task_queue("dois.tasks.identify_photo") == "identify"
    assert task_queue("dois.tasks.identify_embed_photos") == "identify"
    assert task_queue("dois.tasks.train_model") == "train"
    assert task_queue("dois.tasks.reembed_gallery") == "train"
    assert task_queue("dois.tasks.sweep_jobs") == "default"
    assert app.conf.beat_schedule["dois-sweep-jobs"]["task"] == "dois.tasks.sweep_jobs"


def test_identify_tasks_ack_late_and_fit_the_job_timeout(settings):
    for task in (dois_tasks.identify_batch, dois_tasks.identify_photo):
        assert task.acks_late and task.reject_on_worker_lost
        assert task.soft_time_limit < task.time_limit <= settings.DOIS_JOB_TIMEOUT_S


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_identifies_a_bulk_upload_in_batches(settings, model_version, volunteer,
                                                      start_worker, purge_queues):
    settings.DOIS_IDENTIFY_BATCH = 3
    inds, _refs = gallery_make(individuals=2, per_individual=2, model_version=model_version)
    worker = start_worker(queues="identify", name="ident")
    _sighting, results = services.sighting_with_photos_submit(
        actor=volunteer,
        sighting_fields={"observed_at": timezone.now(), "latitude": 22.3, "longitude": 113.8},
        uploads=[upload(seed=100 + s) for s in range(5)],
        options=[services.PhotoOptions() for _ in range(5)])
    ids = [r.job.pk for r in results]
    jobs = wait_for(lambda: (lambda js: js if all(j.status == "done" for j in js) else None)(
        list(IdentificationJob.objects.filter(pk__in=ids))), what="all jobs done")
    assert {j.worker for j in jobs} == {worker.name}
    assert sorted(j.timings["batch_size"] for j in jobs) == [2, 2, 3, 3, 3]
    assert Candidate.objects.filter(job_id__in=ids).count() == 5 * len(inds)
    assert all(j.model_version_id == model_version.pk for j in jobs)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_identifies_fins_by_their_outline(settings, edge_version, volunteer,
                                                   start_worker, purge_queues):
    """The site's default method in a real worker process (prefork, LiteRT after the
    fork): a fin photo gets its outline and candidates, a photo without one is flagged."""
    inds, refs = fin_gallery_make(individuals=3, per_individual=2, model_version=edge_version)
    worker = start_worker(queues="identify", name="edge")
    fin, box = fin_upload(fin_image(individual_seed=0, photo_seed=4), "query.jpg")
    _sighting, results = services.sighting_with_photos_submit(
        actor=volunteer,
        sighting_fields={"observed_at": timezone.now(), "latitude": 22.3, "longitude": 113.8},
        uploads=[fin, upload(seed=7)],
        options=[services.PhotoOptions(crop=box), services.PhotoOptions(crop=(0, 0, 40, 40))])
    ids = [r.job.pk for r in results]
    jobs = wait_for(lambda: (lambda js: js if all(j.status == "done" for j in js) else None)(
        list(IdentificationJob.objects.filter(pk__in=ids).order_by("pk"))), what="jobs done")
    found, flagged = jobs
    assert {j.worker for j in jobs} == {worker.name}
    assert found.model_version == edge_version and found.outline.ok
    assert found.outline_reason == "" and found.outline.made_by == "machine"
    assert found.candidates.order_by("rank")[0].individual == inds[0]
    assert found.candidates.count() == len(inds)
    assert flagged.outline_reason and not flagged.candidates.exists()
    assert flagged.new_individual_probability is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_identify_and_train_queues_on_two_named_workers(model_version, researcher, tmp_path,
                                                        start_worker, purge_queues):
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    ident = start_worker(queues="identify", name="identify-host")
    trainer = start_worker(queues="train", name="train-host")
    replies = app.control.inspect(destination=[ident.name, trainer.name],
                                  timeout=2).active_queues()
    assert {q["name"] for q in replies[ident.name]} == {"identify"}
    assert {q["name"] for q in replies[trainer.name]} == {"train"}

    with transaction.atomic():
        job = identification_job_create(photo=PhotoFactory())
    wait_for(lambda: IdentificationJob.objects.filter(pk=job.pk, status="done").exists(),
             what="job done")
    assert IdentificationJob.objects.get(pk=job.pk).worker == ident.name

    copy = tmp_path / "second.keras"
    for suffix in (".keras", ".json", ".tflite"):
        shutil.copy(model_version.file_path.removesuffix(".keras") + suffix
                    if model_version.file_path.startswith("/") else
                    str(settings_path(model_version)).removesuffix(".keras") + suffix,
                    copy.with_suffix(suffix))
    second = ModelVersion.objects.create(name="second", file_path=str(copy), embedding_dim=32,
                                         input_size=64, threshold=0.5)
    model_version_activate(model_version=second, actor=researcher)
    wait_for(lambda: ModelVersion.objects.get(pk=second.pk).is_active, what="switched")
    model_version.refresh_from_db()
    assert not model_version.is_active
    assert second.embeddings.count() == 2  # the gallery was embedded before the switch
    stats = app.control.inspect(destination=[trainer.name], timeout=2).stats()
    assert stats[trainer.name]["total"].get("dois.tasks.reembed_gallery") == 1
    stats = app.control.inspect(destination=[ident.name], timeout=2).stats()
    assert "dois.tasks.reembed_gallery" not in stats[ident.name]["total"]


def settings_path(model_version):
    from dois.services import model_version_path

    return model_version_path(model_version=model_version)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_identify_command_goes_through_the_queue(model_version, volunteer, tmp_path,
                                                 start_worker, purge_queues):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from tests.dois.factories import image_bytes

    inds, _refs = gallery_make(individuals=2, per_individual=1, model_version=model_version)
    files = []
    for seed in (501, 502):
        files.append(tmp_path / f"fin{seed}.jpg")
        files[-1].write_bytes(image_bytes(seed=seed))
    with pytest.raises(CommandError, match="No worker answered within"):
        call_command("identify", str(files[0]), "--user", volunteer.username,
                     "--timeout", "0")
    start_worker(queues="identify", name="cli")
    out = StringIO()
    call_command("identify", str(files[1]), "--user", volunteer.username, stdout=out)
    assert "fin502.jpg" in out.getvalue() and inds[0].code in out.getvalue()
    assert "new individual probability" in out.getvalue()
