"""Identification jobs in-process: creation, batching on commit, runs, idempotency, sweep."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from dois import inference, services
from dois.health import check_model
from dois.models import Candidate, Embedding, IdentificationJob, ModelVersion, Photo
from dois.selectors import job_status_data
from dois.services import sweeps
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory, upload
from tests.dois.jobs_support import fin_gallery_make, fin_photo, gallery_make

pytestmark = pytest.mark.django_db


def _job(photo=None):
    with transaction.atomic():
        return services.identification_job_create(photo=photo or PhotoFactory())


def test_first_job_creates_the_shipped_version_and_is_sent_alone_on_commit(
        settings, tiny_model_path, _no_broker, django_capture_on_commit_callbacks):
    settings.DOIS_MODEL_PATH = str(tiny_model_path)
    assert settings.DOIS_METHOD == "edge"  # the site's default: the fin's outline
    assert not ModelVersion.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.identification_job_create(photo=PhotoFactory())
    version = ModelVersion.objects.get(is_active=True)
    assert version.kind == "edge" and version.name == "edge-1/outline-1+fin-segmenter-1"
    # the appearance model is registered beside it, inactive but selectable
    other = ModelVersion.objects.get(is_active=False)
    assert (other.kind, other.name, other.input_size, other.embedding_dim) == (
        "appearance", "tiny-t1", 64, 32)
    assert job.model_version == version and job.status == "queued"
    assert _no_broker == [("dois.tasks.identify_photo", [job.pk], "identify")]
    job.refresh_from_db()
    assert job.sent_at is not None
    # a second call is idempotent
    assert services.model_version_ensure_shipped() == version
    assert ModelVersion.objects.count() == 2


def test_appearance_is_served_when_configured(settings, tiny_model_path):
    settings.DOIS_METHOD = "appearance"
    settings.DOIS_MODEL_PATH = str(tiny_model_path)
    version = services.model_version_ensure_shipped()
    assert (version.kind, version.name, version.is_active) == ("appearance", "tiny-t1", True)
    assert ModelVersion.objects.count() == 1


def test_bulk_upload_is_sent_in_chunks_and_a_single_photo_alone(
        settings, model_version, volunteer, _no_broker, django_capture_on_commit_callbacks):
    settings.DOIS_IDENTIFY_BATCH = 2
    fields = {"observed_at": timezone.now(), "latitude": 22.3, "longitude": 113.8}
    with django_capture_on_commit_callbacks(execute=True):
        _sighting, results = services.sighting_with_photos_submit(
            uploaded_by=volunteer, sighting_fields=fields,
            uploads=[upload(seed=s) for s in range(5)],
            options=[services.PhotoOptions() for _ in range(5)])
    ids = [r.job.pk for r in results]
    assert _no_broker == [("dois.tasks.identify_batch", [ids[0:2]], "identify"),
                          ("dois.tasks.identify_batch", [ids[2:4]], "identify"),
                          ("dois.tasks.identify_photo", [ids[4]], "identify")]
    _no_broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        photo, job = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=77),
                                           uploaded_by=volunteer)
    assert _no_broker == [("dois.tasks.identify_photo", [job.pk], "identify")]


def test_a_run_stores_candidates_embedding_and_state_once(model_version):
    inds, refs = gallery_make(individuals=3, per_individual=2, model_version=model_version)
    job = _job()
    report = services.identification_jobs_run(job_ids=[job.pk], worker="w1@test")
    assert report.done == [job.pk]
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1 and job.worker == "w1@test"
    assert job.started_at and job.finished_at and job.error == ""
    assert 0.0 <= job.new_individual_probability <= 1.0
    assert job.timings["batch_size"] == 1 and job.timings["backend"] in {"tflite", "tf"}
    cands = list(job.candidates.order_by("rank"))
    assert [c.rank for c in cands] == [1, 2, 3]
    assert {c.individual_id for c in cands} == {i.pk for i in inds}
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    assert all(c.photo.individual_id == c.individual_id for c in cands)
    assert Embedding.objects.filter(photo=job.photo, model_version=model_version).count() == 1
    assert Photo.objects.get(pk=job.photo_id).state == Photo.State.IDENTIFIED

    # a second delivery of the same job stores nothing new
    again = services.identification_jobs_run(job_ids=[job.pk], worker="w2@test")
    assert again.skipped == [job.pk] and again.done == []
    assert Candidate.objects.filter(job=job).count() == 3
    job.refresh_from_db()
    assert job.attempts == 1 and job.worker == "w1@test"
    assert not services.identification_job_result_store(
        job_id=job.pk, vector=np.zeros(32, np.float32), candidates=[],
        new_individual_probability=1.0, timings={})


def test_the_postgresql_and_orm_result_writers_store_the_same_rows(model_version, monkeypatch):
    from django.db import connection

    inds, refs = gallery_make(individuals=3, per_individual=1, model_version=model_version)
    jobs = [_job() for _ in range(2)]
    for job in jobs:
        services.identification_jobs_claim(job_ids=[job.pk], worker="w")
    vector = np.linspace(-1, 1, 32).astype(np.float32)
    timings = {"batch_size": 2, "embed_ms": 1.5, "backend": "tflite"}
    cands = [(inds[2].pk, 0.9, refs[2].pk), (inds[0].pk, 0.5, refs[0].pk),
             (inds[1].pk, 0.25, None)]
    rows = {}
    for job, vendor in zip(jobs, ["postgresql", "other"], strict=True):
        monkeypatch.setattr(connection, "vendor", vendor)
        assert services.identification_job_results_store(results=[services.JobResult(
            job_id=job.pk, vector=vector, candidates=cands,
            new_individual_probability=0.125, timings=timings)]) == [job.pk]
        monkeypatch.undo()
        job.refresh_from_db()
        emb = Embedding.objects.get(photo=job.photo, model_version=model_version)
        rows[vendor] = (
            job.status, job.error, job.new_individual_probability, job.timings,
            job.finished_at is not None, bytes(emb.vector),
            list(job.candidates.order_by("rank").values_list(
                "rank", "individual_id", "score", "photo_id")),
            Photo.objects.get(pk=job.photo_id).state)
    assert rows["postgresql"] == rows["other"]
    assert rows["other"][0] == "done" and rows["other"][3] == timings
    assert np.array_equal(np.frombuffer(rows["other"][5], np.float32), vector)
    assert rows["other"][6][0] == (1, inds[2].pk, 0.9, refs[2].pk)
    assert rows["other"][7] == Photo.State.IDENTIFIED


def test_a_batch_stores_each_job_its_own_vector_and_skips_jobs_already_done(model_version):
    inds, refs = gallery_make(individuals=2, per_individual=1, model_version=model_version)
    jobs = [_job() for _ in range(3)]
    services.identification_jobs_claim(job_ids=[j.pk for j in jobs], worker="w")
    IdentificationJob.objects.filter(pk=jobs[1].pk).update(status="done")
    vectors = [np.full(32, n + 1, np.float32) for n in range(3)]
    stored = services.identification_job_results_store(results=[services.JobResult(
        job_id=job.pk, vector=vector, candidates=[(inds[n % 2].pk, 0.5, refs[n % 2].pk)],
        new_individual_probability=n / 4, timings={"n": n})
        for n, (job, vector) in enumerate(zip(jobs, vectors, strict=True))])
    assert stored == [jobs[0].pk, jobs[2].pk]
    for n in (0, 2):
        emb = Embedding.objects.get(photo_id=jobs[n].photo_id, model_version=model_version)
        assert np.array_equal(np.frombuffer(bytes(emb.vector), np.float32), vectors[n])
        job = IdentificationJob.objects.get(pk=jobs[n].pk)
        assert job.timings == {"n": n} and job.new_individual_probability == n / 4
        assert list(job.candidates.values_list("individual_id", flat=True)) == [inds[n % 2].pk]
    assert not Embedding.objects.filter(photo_id=jobs[1].photo_id).exists()
    assert not Candidate.objects.filter(job=jobs[1]).exists()


def test_sending_a_bulk_upload_marks_it_sent_at_once_and_stops_at_a_dead_broker(
        settings, model_version, monkeypatch, django_assert_num_queries):
    from celery import current_app

    settings.DOIS_IDENTIFY_BATCH = 2
    ids = [_job().pk for _ in range(5)]
    IdentificationJob.objects.filter(pk__in=ids).update(sent_at=None)
    calls = []
    monkeypatch.setattr(current_app, "send_task",
                        lambda name, args=None, **kw: calls.append((name, args)))
    with django_assert_num_queries(1):  # one UPDATE of sent_at for all chunks
        assert services.identification_jobs_send(job_ids=ids)
    assert [a for _n, a in calls] == [[ids[0:2]], [ids[2:4]], [ids[4]]]
    assert IdentificationJob.objects.filter(pk__in=ids, sent_at__isnull=True).count() == 0

    IdentificationJob.objects.filter(pk__in=ids).update(sent_at=None)
    tries = []

    def dead(name, args=None, **kw):
        tries.append(args)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(current_app, "send_task", dead)
    assert not services.identification_jobs_send(job_ids=ids)
    assert len(tries) == 1  # no wait for a dead broker once per chunk
    assert IdentificationJob.objects.filter(pk__in=ids, sent_at__isnull=True).count() == 5


def test_the_same_vector_ranks_its_own_individual_first(model_version):
    inds, refs = gallery_make(individuals=3, per_individual=1, model_version=model_version)
    twin = PhotoFactory(original=ContentFile(refs[1].original.open("rb").read(), "twin.jpg"),
                        sha256="f" * 64)
    job = _job(twin)
    services.identification_jobs_run(job_ids=[job.pk])
    best = job.candidates.order_by("rank").first()
    assert best.individual == inds[1]
    assert best.score == pytest.approx(1.0, abs=1e-3)


def test_a_batch_with_a_corrupt_image_fails_only_that_job(model_version):
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    good = [_job() for _ in range(3)]
    bad_photo = PhotoFactory(original=ContentFile(b"\xff\xd8 not really a jpeg", "bad.jpg"))
    bad = _job(bad_photo)
    empty = _job(PhotoFactory(crop_x=400, crop_y=0, crop_w=10, crop_h=10))
    report = services.identification_jobs_run(job_ids=[j.pk for j in [*good, bad, empty]])
    assert sorted(report.done) == sorted(j.pk for j in good)
    assert sorted(report.failed) == sorted([bad.pk, empty.pk])
    bad.refresh_from_db()
    empty.refresh_from_db()
    assert bad.status == "failed" and "not a readable image" in bad.error
    assert empty.status == "failed" and "no fin in the crop" in empty.error
    assert all(IdentificationJob.objects.get(pk=j.pk).status == "done" for j in good)
    # failed for good: a rerun leaves it failed
    services.identification_jobs_run(job_ids=[bad.pk])
    bad.refresh_from_db()
    assert bad.status == "failed" and bad.attempts == 1


def test_missing_or_corrupt_model_fails_jobs_with_the_reason_and_health_says_so(
        model_version, tmp_path):
    assert check_model()[0]
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"PK\x03\x04 this is not a real archive")
    for path, words in [(tmp_path / "gone.keras", "missing"), (corrupt, "corrupt")]:
        ModelVersion.objects.filter(pk=model_version.pk).update(file_path=str(path))
        job = _job()
        services.identification_jobs_run(job_ids=[job.pk])
        job.refresh_from_db()
        assert job.status == "failed"
        assert "cannot be used" in job.error and words in job.error
        ok, detail = check_model()
        assert not ok and words in detail


def test_claim_gives_up_after_max_attempts(model_version):
    job = _job()
    IdentificationJob.objects.filter(pk=job.pk).update(status="running",
                                                       attempts=services.MAX_ATTEMPTS)
    report = services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert report.skipped == [job.pk]
    assert job.status == "failed" and "Gave up after 3 attempts" in job.error


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_claim_takes_open_jobs_skips_the_rest_and_fails_worn_out_ones(
        model_version, monkeypatch, vendor):
    from django.db import connection

    fresh, retried, done, worn = (_job() for _ in range(4))
    IdentificationJob.objects.filter(pk=retried.pk).update(status="running", attempts=1)
    IdentificationJob.objects.filter(pk=done.pk).update(status="done", attempts=1)
    IdentificationJob.objects.filter(pk=worn.pk).update(status="queued",
                                                        attempts=services.MAX_ATTEMPTS)
    Photo.objects.filter(pk=fresh.photo_id).update(
        crop_x=3, crop_y=4, crop_w=50, crop_h=60)
    monkeypatch.setattr(connection, "vendor", vendor)  # "other": the ORM's way
    claimed, skipped = services.identification_jobs_claim(
        job_ids=[worn.pk, done.pk, retried.pk, fresh.pk], worker="w9@test")
    monkeypatch.undo()
    assert [j.pk for j in claimed] == sorted([fresh.pk, retried.pk])
    assert sorted(skipped) == sorted([done.pk, worn.pk])
    by_pk = {j.pk: j for j in claimed}
    assert by_pk[fresh.pk].attempts == 1 and by_pk[retried.pk].attempts == 2
    assert by_pk[fresh.pk].photo.crop_box == (3, 4, 53, 64)
    assert by_pk[fresh.pk].photo.original.name == fresh.photo.original.name
    assert by_pk[fresh.pk].model_version == model_version
    assert by_pk[fresh.pk].sent_at == IdentificationJob.objects.get(pk=fresh.pk).sent_at
    rows = dict(IdentificationJob.objects.values_list("pk", "status"))
    assert rows == {fresh.pk: "running", retried.pk: "running", done.pk: "done",
                    worn.pk: "failed"}
    stored = IdentificationJob.objects.get(pk=fresh.pk)
    assert stored.worker == "w9@test" and stored.started_at == by_pk[fresh.pk].started_at


def test_sweep_resends_unsent_and_stale_jobs_and_fails_worn_out_ones(model_version, _no_broker):
    old = timezone.now() - timedelta(seconds=10_000)
    unsent, stale_running, worn_out, fresh, done = (_job() for _ in range(5))
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


def test_confirming_a_photo_puts_its_job_embedding_into_the_cached_gallery(
        model_version, researcher, settings, django_assert_num_queries):
    settings.DOIS_GALLERY_RECHECK_S = 60  # only the cheap checks from here on
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    before = services.gallery_get(model_version=model_version)
    job = _job()
    services.identification_jobs_run(job_ids=[job.pk])
    # a query's embedding is not a gallery row: the cached gallery stays, checked by a
    # single statement whose cost does not grow with the catalogue
    with django_assert_num_queries(1):
        assert services.gallery_get(model_version=model_version) is before
    target = IndividualFactory()
    services.decision_record(photo=job.photo, action="confirm", decided_by=researcher,
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
    reference = _job()
    services.decision_record(photo=reference.photo, action="confirm", decided_by=researcher,
                             individual=target)
    assert services.gallery_get(model_version=model_version).photo_ids == before.photo_ids
    services.identification_jobs_run(job_ids=[reference.pk])  # stores its embedding
    query = _job(PhotoFactory(original=ContentFile(
        reference.photo.original.open("rb").read(), "twin.jpg"), sha256="e" * 64))
    services.identification_jobs_run(job_ids=[query.pk])
    assert query.candidates.order_by("rank").first().individual == target


def test_threads_fit_the_cores_of_the_worker_processes():
    assert inference.thread_count(configured=0, concurrency=2, cores=8) == 4
    assert inference.thread_count(configured=0, concurrency=4, cores=2) == 1
    assert inference.thread_count(configured=3, concurrency=4, cores=2) == 3


def test_model_file_check_reads_no_tensorflow(tiny_model_path, tmp_path):
    assert inference.model_file_check(tiny_model_path) == (True, "tiny.keras")
    text = tmp_path / "x.keras"
    text.write_text("hello")
    ok, detail = inference.model_file_check(text)
    assert not ok and "not a .keras archive" in detail


# --- the sweep after a model outage (issue 12, finding 7) --------------------------------


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
                                    uploaded_by=volunteer)[0] for i in range(3)]
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
    bad = _job(PhotoFactory(original=ContentFile(b"\xff\xd8\xff\xe0 broken", "bad.jpg")))
    services.identification_jobs_run(job_ids=[bad.pk])
    good_path = model_version.file_path
    ModelVersion.objects.filter(pk=model_version.pk).update(
        file_path=str(tmp_path / "gone.keras"))
    outage = [_job() for _ in range(3)]
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
    ids = [_job().pk for _ in range(3)]
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


def _migration(name: str):
    import importlib

    return importlib.import_module(f"dois.migrations.{name}")


def test_the_migration_moves_old_originals_to_unguessable_names(volunteer):
    from django.apps import apps
    from django.core.files.storage import default_storage

    photo, _job = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=520),
                                        uploaded_by=volunteer)
    with photo.original.open("rb") as fh:
        data = fh.read()
    old = default_storage.save(f"dois/originals/2024/05/{photo.sha256[:16]}.jpg",
                               ContentFile(data))
    Photo.objects.filter(pk=photo.pk).update(original=old)
    derived = default_storage.save(
        f"dois/derived/{photo.sha256[:2]}/{photo.sha256}-crop-{photo.crop_x}-{photo.crop_y}-"
        f"{photo.crop_w}-{photo.crop_h}.jpg", ContentFile(b"jpeg"))
    _migration("0006_originals_renamed_job_errors_classified").rename_originals(apps, None)
    photo.refresh_from_db()
    assert photo.original.name != old and photo.sha256[:16] not in photo.original.name
    assert photo.original.name.startswith("dois/originals/")
    with photo.original.open("rb") as fh:
        assert fh.read() == data
    assert not default_storage.exists(old) and not default_storage.exists(derived)


def test_the_migration_classifies_old_job_errors_so_outage_jobs_can_be_requeued(
        model_version, _no_broker):
    from django.apps import apps

    errors = {
        "The model fin-embedder-v1 cannot be used: model file missing: /srv/var/x.keras":
            "model_unavailable",
        "模型 fin-embedder-v1 无法使用：model file missing: /srv/var/x.keras":
            "model_unavailable",
        "The photo cannot be used: the photo's file is missing: [Errno 2] /srv/a.jpg":
            "photo_missing",
        "The photo cannot be used: not a readable image: cannot identify": "photo_unreadable",
        "The photo cannot be used: no fin in the crop: empty": "photo_no_fin",
        "Gave up after 3 attempts: the worker stopped or timed out each time.":
            "worker_lost",
        "something else at /srv/hub": "internal",
    }
    jobs = {}
    for error, code in errors.items():
        job = _job()
        IdentificationJob.objects.filter(pk=job.pk).update(status="failed", error=error)
        jobs[job.pk] = code
    _migration("0006_originals_renamed_job_errors_classified").classify_job_errors(apps, None)
    rows = IdentificationJob.objects.filter(pk__in=jobs)
    assert dict(rows.values_list("pk", "error_code")) == jobs
    assert not any("/srv" in e for e in rows.values_list("error", flat=True))
    requeued = services.identification_jobs_sweep().requeued
    assert sorted(requeued) == sorted(pk for pk, c in jobs.items() if c == "model_unavailable")


# --- the edge method (fin outline, issue 13): the site's default --------------------------


def test_edge_job_traces_stores_the_outline_and_ranks_individuals(edge_version):
    inds, photos = fin_gallery_make(individuals=3, per_individual=2, model_version=edge_version)
    rows = Embedding.objects.filter(model_version=edge_version)
    assert rows.count() == 6 and not rows.filter(edge__isnull=True).exists()
    # a new photo of the third individual (another view of its fin)
    query = fin_photo(individual_seed=2, photo_seed=5)
    job = _job(query)
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.outline_reason == ""
    outline = job.outline
    assert outline.photo == query and outline.made_by == "machine" and outline.ok
    assert outline.method == "outline-1+fin-segmenter-1" and outline.model_version == edge_version
    assert outline.crop == (query.crop_x, query.crop_y, query.crop_w, query.crop_h)
    assert len(outline.data["trailing"]) > 10 and outline.data["facing"] in ("left", "right")
    cands = list(job.candidates.order_by("rank"))
    assert [c.individual for c in cands][0] == inds[2]
    assert sorted(c.individual_id for c in cands) == sorted(i.pk for i in inds)  # one each
    assert cands[0].photo in photos[4:6] and 0 < cands[0].score <= 1
    assert 0 <= job.new_individual_probability < 0.5
    assert job.timings["method"] == "edge" and job.timings["outline"] == "traced"
    emb = Embedding.objects.get(photo=query, model_version=edge_version)
    assert np.frombuffer(emb.edge, np.float32).shape == (128,) and emb.outline == outline
    # run again: nothing traced twice, nothing stored twice
    services.identification_jobs_run(job_ids=[job.pk])
    assert query.outlines.count() == 1 and job.candidates.count() == len(cands)


def test_a_photo_without_a_fin_is_done_without_candidates_and_flagged(edge_version):
    fin_gallery_make(individuals=2, per_individual=1, model_version=edge_version)
    blank = Image.new("RGB", (320, 240), (40, 90, 140))  # open water, no fin
    buffer = io.BytesIO()
    blank.save(buffer, "JPEG")
    job = _job(PhotoFactory(original=ContentFile(buffer.getvalue(), "sea.jpg")))
    report = services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert report.done == [job.pk] and report.failed == []
    assert job.status == "done" and job.error == "" and not job.candidates.exists()
    assert job.outline_reason in {"no_fin", "edge_too_short", "low_confidence", "tip_cut"}
    assert job.outline.reason == job.outline_reason and not job.outline.ok
    assert job.new_individual_probability is None
    emb = Embedding.objects.get(photo=job.photo)
    assert emb.edge is None and bytes(emb.vector) == b""  # processed, never searched
    assert job.photo.pk not in services.gallery_get(model_version=edge_version).row_of_photo
    data = job_status_data(job=job)  # what the job page's poll and the API read
    assert (data["method"], data["outline_reason"]) == ("edge", job.outline_reason)


def test_a_missing_segmenter_fails_edge_jobs_as_model_unavailable(edge_version, tmp_path):
    job = _job(fin_photo())
    ModelVersion.objects.filter(pk=edge_version.pk).update(
        file_path=str(tmp_path / "gone.keras"))
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "model_unavailable")
    assert not services.model_version_available(model_version=ModelVersion.objects.get(
        pk=edge_version.pk))


def test_a_method_version_bump_re_traces_the_gallery_before_the_switch(
        edge_version, researcher, monkeypatch, _no_broker, django_capture_on_commit_callbacks):
    from dois import services
    from dois.ml import edges

    inds, photos = fin_gallery_make(individuals=2, per_individual=2, model_version=edge_version)
    monkeypatch.setattr(edges, "EDGE_METHOD_VERSION", "edge-2")  # matching changed
    registered = services.model_versions_register_shipped()
    new = next(v for v in registered if v.kind == "edge")
    assert new.name == "edge-2/outline-1+fin-segmenter-1" and not new.is_active
    assert services.model_versions_register_shipped()[0] == new  # once
    assert not Embedding.objects.filter(model_version=new).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.model_version_activate(model_version=new, user=researcher)
    assert _no_broker[-1][0] == services.REEMBED_TASK
    assert services.model_version_activation_finish(model_version_id=new.pk,
                                                    user_id=researcher.pk)
    new.refresh_from_db()
    assert new.is_active and not ModelVersion.objects.get(pk=edge_version.pk).is_active
    rows = Embedding.objects.filter(model_version=new)
    assert sorted(rows.values_list("photo_id", flat=True)) == sorted(p.pk for p in photos)
    assert not rows.filter(edge__isnull=True).exists()
    # the outlines of the same tracing method were reused, not traced again
    assert sum(p.outlines.count() for p in photos) == len(photos)
    # the new version serves the next job
    job = _job(fin_photo(individual_seed=0, photo_seed=3))
    assert job.model_version == new
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.candidates.order_by("rank")[0].individual == inds[0]


def test_evaluate_without_a_method_evaluates_what_the_site_serves(edge_version):
    """``python -m dois.ml.evaluate DATASET`` (no ``--method``) runs the served method with
    the shipped segmenter: the same method string as the site's active version."""
    from django.conf import settings

    from dois.ml import evaluate
    from dois.ml.edges import method_version

    assert evaluate.SERVED_METHOD == settings.DOIS_METHOD == edge_version.kind == "edge"
    assert method_version() == edge_version.name


def test_an_unknown_method_stops_start_up_with_its_name():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=root,
                            env={**os.environ, "DOIS_METHOD": "pixels"}, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "DOIS_METHOD" in result.stderr
