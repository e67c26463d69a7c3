"""Running identification jobs in-process (dois.services.identify): candidates,
embedding and state stored once, ranking, a corrupt image or model failing its jobs."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.base import ContentFile

from dois import services
from dois.health import check_model
from dois.models import Candidate, Embedding, IdentificationJob, ModelVersion, Photo
from tests.dois.factories import PhotoFactory
from tests.dois.jobs_support import gallery_make, job_create

pytestmark = pytest.mark.django_db


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
