"""The beat's sweeps of identification jobs (dois.services.sweeps): unsent, stale and
worn-out jobs, missing gallery embeddings, and jobs of a model outage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from dois import inference, services
from dois.models import IdentificationJob, ModelVersion, Photo
from dois.services import sweeps
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory, upload
from tests.dois.jobs_support import gallery_make, job_create

pytestmark = pytest.mark.django_db



def test_sweep_resends_unsent_and_stale_jobs_and_fails_worn_out_ones(model_version, _no_broker):
    old = timezone.now() - timedelta(seconds=10_000)
    unsent, stale_running, worn_out, fresh, done = (job_create() for _ in range(5))
    IdentificationJob.objects.filter(pk=unsent.pk).update(created_at=old, sent_at=None)
    IdentificationJob.objects.filter(pk=stale_running.pk).update(
        status="running", started_at=old, attempts=1, sent_at=old)
    IdentificationJob.objects.filter(pk=worn_out.pk).update(
        status="running", started_at=old, attempts=3, sent_at=old)
    IdentificationJob.objects.filter(pk=fresh.pk).update(sent_at=timezone.now())
    IdentificationJob.objects.filter(pk=done.pk).update(status="done", created_at=old)
    _no_broker.clear()
    report = services.identification_jobs_sweep()
    assert sorted(report.resent) == sorted([unsent.pk, stale_running.pk])
    assert report.failed == [worn_out.pk]
    sent = [i for name, args, _q in _no_broker if name.startswith("dois.tasks.identify_")
            for i in (args[0] if isinstance(args[0], list) else args)]
    assert sorted(sent) == sorted([unsent.pk, stale_running.pk])
    stale_running.refresh_from_db()
    worn_out.refresh_from_db()
    assert stale_running.status == "queued" and stale_running.sent_at is not None
    assert worn_out.status == "failed" and "Gave up" in worn_out.error


def test_sweep_asks_for_missing_gallery_embeddings(model_version, _no_broker):
    photo = PhotoFactory(individual=IndividualFactory(), state=Photo.State.CONFIRMED)
    report = services.identification_jobs_sweep()
    assert report.gallery_missing == 1
    assert ("dois.tasks.identify_embed_photos", [model_version.pk, [photo.pk]],
            "identify") in _no_broker
    assert services.embeddings_compute(model_version_id=model_version.pk,
                                    photo_ids=[photo.pk]) == 1
    assert services.embeddings_compute(model_version_id=model_version.pk,
                                    photo_ids=[photo.pk]) == 0



def _sent_job_ids(sent) -> list[int]:
    ids: list[int] = []
    for name, args, _queue in sent:
        if name == services.IDENTIFY_TASK:
            ids += args
        elif name == services.IDENTIFY_BATCH_TASK:
            ids += args[0]
    return ids


@pytest.mark.parametrize("method", ["edge", "appearance"])
def test_photos_saved_while_the_model_file_was_missing_get_jobs_from_the_sweep(
        method, settings, tmp_path, tiny_model_path, volunteer, researcher, _no_broker,
        django_capture_on_commit_callbacks):
    settings.DOIS_METHOD = method
    missing = str(tmp_path / "not-there-yet.keras")
    if method == "edge":  # the served method's file is the segmenter
        settings.DOIS_SEGMENTER_PATH, settings.DOIS_MODEL_PATH = missing, str(tiny_model_path)
    else:
        settings.DOIS_MODEL_PATH = missing
    photos = [services.photo_submit(sighting=SightingFactory(), upload=upload(seed=500 + i),
                                    actor=volunteer)[0] for i in range(3)]
    decided = PhotoFactory(individual=IndividualFactory(), state=Photo.State.CONFIRMED)
    assert not IdentificationJob.objects.exists() and not ModelVersion.objects.exists()
    report = services.identification_jobs_sweep()
    assert report.created == [] and not report.model_available

    settings.DOIS_SEGMENTER_PATH = ""  # the file is back
    settings.DOIS_MODEL_PATH = str(tiny_model_path)
    inference.embedder_forget()
    services.gallery_forget()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.identification_jobs_sweep()
    jobs = IdentificationJob.objects.filter(photo__in=photos)
    assert len(report.created) == 3
    assert sorted(report.created) == sorted(jobs.values_list("pk", flat=True))
    assert sorted(_sent_job_ids(_no_broker)) == sorted(report.created)
    assert not decided.jobs.exists()  # a researcher already decided it: no job
    services.identification_jobs_run(job_ids=report.created)
    assert set(jobs.values_list("status", flat=True)) == {"done"}
    assert set(jobs.values_list("model_version__kind", flat=True)) == {method}
    assert services.identification_jobs_sweep().created == []  # nothing twice


def test_jobs_failed_in_a_model_outage_are_requeued_once_it_loads_and_then_run(
        model_version, tmp_path, _no_broker, django_capture_on_commit_callbacks):
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    bad = job_create(PhotoFactory(original=ContentFile(b"\xff\xd8\xff\xe0 broken", "bad.jpg")))
    services.identification_jobs_run(job_ids=[bad.pk])
    good_path = model_version.file_path
    ModelVersion.objects.filter(pk=model_version.pk).update(
        file_path=str(tmp_path / "gone.keras"))
    outage = [job_create() for _ in range(3)]
    ids = [j.pk for j in outage]
    services.identification_jobs_run(job_ids=ids)
    failed = IdentificationJob.objects.filter(pk__in=ids)
    assert set(failed.values_list("status", "error_code")) == {("failed", "model_unavailable")}
    bad.refresh_from_db()
    assert (bad.status, bad.error_code) == ("failed", "photo_unreadable")

    report = services.identification_jobs_sweep()  # still missing: nothing re-queued
    assert report.requeued == [] and not report.model_available

    ModelVersion.objects.filter(pk=model_version.pk).update(file_path=good_path)
    _no_broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.identification_jobs_sweep()
    assert sorted(report.requeued) == sorted(ids) and report.model_available
    # sent; other ids of this test's one transaction may ride along: the task skips them
    sent = set(_sent_job_ids(_no_broker))
    assert sent >= set(ids)
    assert not IdentificationJob.objects.filter(pk__in=sent - set(ids), status="queued")
    assert set(failed.values_list("status", "attempts", "model_requeues", "error_code",
                                  "error")) == {("queued", 0, 1, "", "")}
    services.identification_jobs_run(job_ids=ids)
    assert set(failed.values_list("status", flat=True)) == {"done"}
    bad.refresh_from_db()
    assert bad.status == "failed"  # failed for another reason: never re-queued
    assert services.identification_jobs_sweep().requeued == []


def test_a_model_that_passes_the_file_check_but_never_loads_is_retried_a_bounded_time(
        model_version, tmp_path, _no_broker, monkeypatch):
    import zipfile

    fake = tmp_path / "fake.keras"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("metadata.json", "{}")
        archive.writestr("model.weights.h5", b"not HDF5 at all")
    assert inference.model_file_check(fake)[0]
    ModelVersion.objects.filter(pk=model_version.pk).update(file_path=str(fake))
    ids = [job_create().pk for _ in range(3)]
    services.identification_jobs_run(job_ids=ids)
    monkeypatch.setattr(sweeps, "SWEEP_REQUEUE_LIMIT", 2)
    rounds = []
    for _ in range(3 * services.MODEL_REQUEUE_MAX):
        requeued = services.identification_jobs_sweep().requeued
        assert len(requeued) <= 2  # at most the limit per sweep
        rounds.append(len(requeued))
        services.identification_jobs_run(job_ids=requeued)
    assert sum(rounds) == 3 * services.MODEL_REQUEUE_MAX and rounds[-2:] == [0, 0]
    jobs = IdentificationJob.objects.filter(pk__in=ids)
    assert set(jobs.values_list("status", "error_code", "model_requeues")) == {
        ("failed", "model_unavailable", services.MODEL_REQUEUE_MAX)}
    assert all("fake.keras" in e and str(tmp_path) not in e
               for e in jobs.values_list("error", flat=True))


def test_a_job_stays_failed_when_the_active_version_changed(model_version, tmp_path,
                                                            _no_broker):
    """Failed jobs of an old version are not re-queued; their photo gets a job of the
    active version instead (it is still waiting for identification)."""
    gone = ModelVersion.objects.create(name="old", file_path=str(tmp_path / "gone.keras"),
                                       embedding_dim=32, input_size=64, threshold=0.5)
    photo = PhotoFactory()
    old = IdentificationJob.objects.create(photo=photo, model_version=gone, status="failed",
                                           error_code="model_unavailable")
    report = services.identification_jobs_sweep()
    old.refresh_from_db()
    assert old.status == "failed" and report.requeued == []
    assert list(photo.jobs.exclude(pk=old.pk).values_list("model_version", flat=True)) == [
        model_version.pk]
