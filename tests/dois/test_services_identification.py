"""Identification jobs in-process: creation, batching on commit, runs, idempotency, sweep."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from dois import inference, services
from dois.health import check_model
from dois.models import Candidate, Embedding, IdentificationJob, ModelVersion, Photo
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory, upload
from tests.dois.jobs_support import gallery_make, job_create

pytestmark = pytest.mark.django_db


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
    job = job_create()
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
    jobs = [job_create() for _ in range(2)]
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
    jobs = [job_create() for _ in range(3)]
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
    ids = [job_create().pk for _ in range(5)]
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
    job = job_create(twin)
    services.identification_jobs_run(job_ids=[job.pk])
    best = job.candidates.order_by("rank").first()
    assert best.individual == inds[1]
    assert best.score == pytest.approx(1.0, abs=1e-3)


def test_a_batch_with_a_corrupt_image_fails_only_that_job(model_version):
    gallery_make(individuals=2, per_individual=1, model_version=model_version)
    good = [job_create() for _ in range(3)]
    bad_photo = PhotoFactory(original=ContentFile(b"\xff\xd8 not really a jpeg", "bad.jpg"))
    bad = job_create(bad_photo)
    empty = job_create(PhotoFactory(crop_x=400, crop_y=0, crop_w=10, crop_h=10))
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
        job = job_create()
        services.identification_jobs_run(job_ids=[job.pk])
        job.refresh_from_db()
        assert job.status == "failed"
        assert "cannot be used" in job.error and words in job.error
        ok, detail = check_model()
        assert not ok and words in detail


def test_claim_gives_up_after_max_attempts(model_version):
    job = job_create()
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

    fresh, retried, done, worn = (job_create() for _ in range(4))
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
    reference = job_create()
    services.decision_record(photo=reference.photo, action="confirm", decided_by=researcher,
                             individual=target)
    assert services.gallery_get(model_version=model_version).photo_ids == before.photo_ids
    services.identification_jobs_run(job_ids=[reference.pk])  # stores its embedding
    query = job_create(PhotoFactory(original=ContentFile(
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
