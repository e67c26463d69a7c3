"""Storing identification results: a batch in one statement on PostgreSQL, through the
ORM elsewhere. Results are written under a row lock and a job that is already ``done`` is
left alone; candidates are replaced in one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from dois import inference
from dois.models import Candidate, Embedding, IdentificationJob, Photo
from dois.services.jobs import ClaimedPhoto, job_transaction

logger = logging.getLogger(__name__)

# what ``error`` says of a photo that cannot be used, by code (plain, for operators)
PHOTO_REASONS = {
    "photo_missing": "its file is missing",
    "photo_unreadable": "not a readable image",
    "photo_no_fin": "no fin in the crop",
}
TOP_K = 5


def photo_bytes(*, photo: Photo | ClaimedPhoto) -> bytes:
    """The bytes of a photo's original file, for the worker to decode; a missing or
    unreadable file is :class:`dois.inference.ImageUnusable` with the code
    ``photo_missing`` (the job fails with that code, not as an internal error)."""
    try:
        with photo.original.open("rb") as fh:
            return fh.read()
    except (OSError, ValueError) as exc:
        raise inference.ImageUnusable(f"the photo's file is missing: {exc}",
                                      code=IdentificationJob.ErrorCode.PHOTO_MISSING) from exc


def photos_prepare(*, photos: Sequence[Photo | ClaimedPhoto], size: int
                   ) -> tuple[np.ndarray, list[int], dict[int, inference.ImageUnusable]]:
    """Load the crops of ``photos``; returns the batch, the indices loaded, and errors
    (each with its ``code``; their messages are for the log)."""
    arrays, ok, errors = [], [], {}
    for n, photo in enumerate(photos):
        try:
            arrays.append(inference.image_prepare(data=photo_bytes(photo=photo),
                                                  box=photo.crop_box, size=size))
            ok.append(n)
        except inference.ImageUnusable as exc:
            errors[n] = exc
    batch = np.stack(arrays) if arrays else np.zeros((0, size, size, 3), np.float32)
    return batch, ok, errors


@dataclass
class JobResult:
    """What the model answered for one job.

    Edge method: ``edge`` is the canonical trailing edge and ``outline_id`` the stored
    outline it came from; a photo without a usable outline has no ``vector``, ``edge``
    or candidates, and ``outline_reason`` says why (its embedding row is written empty,
    so the photo counts as processed under the version but is never searched).
    """

    job_id: int
    vector: np.ndarray | None
    candidates: list[tuple[int, float, int | None]]  # (individual id, score, photo id)
    new_individual_probability: float | None
    timings: dict
    edge: np.ndarray | None = None
    outline_id: int | None = None
    outline_reason: str = ""

    def vector_bytes(self) -> bytes:
        return b"" if self.vector is None else np.asarray(self.vector, np.float32).tobytes()

    def edge_bytes(self) -> bytes | None:
        return None if self.edge is None else np.asarray(self.edge, np.float32).tobytes()


def _candidate_rows(todo: list[JobResult]) -> list[tuple[int, int, int, float, int | None]]:
    """``(job, individual, rank, score, photo)`` for every candidate of ``todo``."""
    return [(r.job_id, ind, rank, float(score), photo_id)
            for r in todo for rank, (ind, score, photo_id) in enumerate(r.candidates, start=1)]


def _results_write_orm(*, results: list[JobResult], now) -> list[int]:
    """Write results with the ORM (any database; several statements per batch)."""
    jobs = {pk: (photo_id, version_id, current) for pk, photo_id, version_id, current in
            IdentificationJob.objects.select_for_update()
            .filter(pk__in=[r.job_id for r in results])
            .exclude(status=IdentificationJob.Status.DONE)
            .annotate(current=ExpressionWrapper(Q(revision=F("photo__revision")),
                                                output_field=BooleanField()))
            .values_list("pk", "photo_id", "model_version_id", "current")}
    todo = [r for r in results if r.job_id in jobs]
    if not todo:
        return []
    # an embedding only of the photo as it is now (a job of a corrected photo's earlier
    # revision keeps its candidates but does not overwrite the new box's embedding)
    Embedding.objects.bulk_create(
        [Embedding(photo_id=jobs[r.job_id][0], model_version_id=jobs[r.job_id][1],
                   vector=r.vector_bytes(), edge=r.edge_bytes(), outline_id=r.outline_id)
         for r in todo if jobs[r.job_id][2]],
        update_conflicts=True, unique_fields=["photo", "model_version"],
        update_fields=["vector", "edge", "outline"])
    ids = [r.job_id for r in todo]
    Candidate.objects.filter(job_id__in=ids).delete()
    Candidate.objects.bulk_create([
        Candidate(job_id=job, individual_id=ind, rank=rank, score=score, photo_id=photo)
        for job, ind, rank, score, photo in _candidate_rows(todo)])
    IdentificationJob.objects.bulk_update(
        [IdentificationJob(
            pk=r.job_id, status=IdentificationJob.Status.DONE, finished_at=now, error="",
            error_code="", timings=r.timings, outline_id=r.outline_id,
            outline_reason=r.outline_reason,
            new_individual_probability=(None if r.new_individual_probability is None
                                        else float(r.new_individual_probability)))
         for r in todo],
        ["status", "finished_at", "error", "error_code", "new_individual_probability",
         "timings", "outline", "outline_reason"])
    # submitted -> identified once the model has answered (the SQL path does the same)
    Photo.objects.filter(pk__in=[jobs[r.job_id][0] for r in todo],
                         state=Photo.State.SUBMITTED).update(state=Photo.State.IDENTIFIED)
    return ids


# One statement for a batch's results on PostgreSQL. ``done`` marks the jobs that are not
# done yet (its row locks make a concurrent second run wait, then skip them); the other
# parts write only for those jobs. A job that is not done has no candidates (they are
# written with ``done`` in one transaction), so the candidate insert never conflicts;
# ON CONFLICT keeps it from failing should one exist anyway. The embedding is written
# only for a job of the photo's current revision (services.corrections). Vectors and
# edges travel as one byte string each, every job naming its slice (an empty vector and
# no edge: a photo without a usable outline).
_RESULTS_SQL = """
WITH v AS (
    SELECT * FROM jsonb_to_recordset(%(jobs)s::jsonb)
        AS v(id bigint, p float8, t jsonb, vo int, vl int, eo int, el int, o bigint, r text)
), done AS (
    UPDATE dois_identificationjob AS j
    SET status = %(done)s, finished_at = %(now)s, error = '', error_code = '',
        new_individual_probability = v.p, timings = v.t, outline_id = v.o,
        outline_reason = v.r
    FROM v WHERE j.id = v.id AND j.status <> %(done)s
    RETURNING j.id, j.photo_id, j.model_version_id, j.revision, v.vo, v.vl, v.eo, v.el, v.o
), emb AS (
    INSERT INTO dois_embedding (photo_id, model_version_id, vector, edge, outline_id,
                                created_at)
    SELECT done.photo_id, done.model_version_id,
           substring(%(vectors)s::bytea FROM done.vo + 1 FOR done.vl),
           CASE WHEN done.el > 0
                THEN substring(%(edges)s::bytea FROM done.eo + 1 FOR done.el) END,
           done.o, %(now)s
    FROM done JOIN dois_photo AS cur ON cur.id = done.photo_id
    WHERE cur.revision = done.revision
    ON CONFLICT (photo_id, model_version_id) DO UPDATE SET vector = EXCLUDED.vector,
        edge = EXCLUDED.edge, outline_id = EXCLUDED.outline_id
), cand AS (
    INSERT INTO dois_candidate (job_id, individual_id, rank, score, photo_id)
    SELECT c.job, c.ind, c.rank, c.score, c.photo
    FROM jsonb_to_recordset(%(candidates)s::jsonb)
         AS c(job bigint, ind bigint, rank smallint, score float8, photo bigint)
    JOIN done ON done.id = c.job
    ON CONFLICT (job_id, rank) DO UPDATE SET individual_id = EXCLUDED.individual_id,
        score = EXCLUDED.score, photo_id = EXCLUDED.photo_id
), photos AS (
    UPDATE dois_photo AS p SET state = %(identified)s
    FROM done WHERE p.id = done.photo_id AND p.state = %(submitted)s
)
SELECT id FROM done
"""


def _results_write_postgresql(*, results: list[JobResult], now) -> list[int]:
    """Write results on PostgreSQL in one statement (:data:`_RESULTS_SQL`).

    Same rows as :func:`_results_write_orm`. Rows travel as one JSON document and the
    vectors and edges as one byte string each: the ORM's ``bulk_update`` (a CASE per row
    and field) and psycopg's per-element array adaptation cost more than the embedding
    itself.
    """
    vectors, edges, jobs = [], [], []
    v_at = e_at = 0
    for r in results:
        vector, edge = r.vector_bytes(), r.edge_bytes() or b""
        p = r.new_individual_probability
        jobs.append({"id": r.job_id, "p": None if p is None else float(p), "t": r.timings,
                     "vo": v_at, "vl": len(vector), "eo": e_at, "el": len(edge),
                     "o": r.outline_id, "r": r.outline_reason})
        vectors.append(vector)
        edges.append(edge)
        v_at += len(vector)
        e_at += len(edge)
    candidates = [{"job": job, "ind": ind, "rank": rank, "score": score, "photo": photo}
                  for job, ind, rank, score, photo in _candidate_rows(results)]
    with connection.cursor() as cursor:
        cursor.execute(_RESULTS_SQL, {
            "jobs": json.dumps(jobs), "candidates": json.dumps(candidates),
            "vectors": b"".join(vectors), "edges": b"".join(edges), "now": now,
            "done": IdentificationJob.Status.DONE, "identified": Photo.State.IDENTIFIED,
            "submitted": Photo.State.SUBMITTED})
        return [row[0] for row in cursor.fetchall()]


def identification_job_results_store(*, results: list[JobResult]) -> list[int]:
    """Write jobs' results once, in one transaction: embeddings, candidates, ``done``.

    A job already ``done`` is left alone (a second run stores nothing; a concurrent one
    waits for the first one's row locks, then skips). Returns the ids stored.
    """
    if not results:
        return []
    now = timezone.now()
    with job_transaction():
        if connection.vendor == "postgresql":
            stored = set(_results_write_postgresql(results=results, now=now))
        else:
            stored = set(_results_write_orm(results=results, now=now))
    return [r.job_id for r in results if r.job_id in stored]


def identification_job_result_store(*, job_id: int, vector: np.ndarray | None,
                                    candidates: list[tuple[int, float, int | None]],
                                    new_individual_probability: float | None,
                                    timings: dict, edge: np.ndarray | None = None,
                                    outline_id: int | None = None,
                                    outline_reason: str = "") -> bool:
    """Write one job's result once (see :func:`identification_job_results_store`)."""
    return bool(identification_job_results_store(results=[JobResult(
        job_id=job_id, vector=vector, candidates=candidates,
        new_individual_probability=new_individual_probability, timings=timings, edge=edge,
        outline_id=outline_id, outline_reason=outline_reason)]))
