"""Storing identification results (dois.services.results): the PostgreSQL and ORM
writers store the same rows; a batch stores each job its own, once."""

from __future__ import annotations

import numpy as np
import pytest

from dois import services
from dois.models import Candidate, Embedding, IdentificationJob, Photo
from tests.dois.jobs_support import gallery_make, job_create

pytestmark = pytest.mark.django_db


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
