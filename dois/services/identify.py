"""Running claimed identification jobs, and computing the gallery embeddings.

A version's ``kind`` says how its jobs run:
``appearance`` embeds crops in batches and searches a vector gallery; ``edge`` is
:mod:`dois.services.edges`. Both write results through :mod:`dois.services.results`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import numpy as np
from celery import current_app

from dois import inference
from dois.models import Embedding, ModelVersion, Photo
from dois.services.edges import edge_embeddings_compute, edge_jobs_run
from dois.services.gallery import gallery_get
from dois.services.jobs import (
    EMBED_TASK,
    ClaimedJob,
    RunReport,
    identification_job_fail,
    identification_jobs_claim,
    identification_jobs_fail_model_unusable,
    identify_batch_size,
)
from dois.services.model_versions import model_load
from dois.services.results import (
    PHOTO_REASONS,
    TOP_K,
    JobResult,
    identification_job_results_store,
    photos_prepare,
)

logger = logging.getLogger(__name__)


def identification_jobs_run(*, job_ids: list[int], worker: str = "") -> RunReport:
    """Identify a batch of jobs: claim, embed together, search, store each result.

    A bad photo fails its own job only; a broken model file fails the jobs of its
    version with the reason. Database errors propagate (the task retries them).
    """
    report = RunReport()
    t0 = time.perf_counter()
    claimed, report.skipped = identification_jobs_claim(job_ids=list(job_ids), worker=worker)
    by_version: dict[int, list[ClaimedJob]] = {}
    for job in claimed:
        by_version.setdefault(job.model_version_id, []).append(job)
    for jobs in by_version.values():
        version = jobs[0].model_version
        if version.kind == ModelVersion.Kind.EDGE:
            edge_jobs_run(jobs=jobs, version=version, report=report)
            continue
        t_load = time.perf_counter()
        try:
            model = model_load(model_version=version)
        except inference.ModelUnusable as exc:
            identification_jobs_fail_model_unusable(jobs=jobs, version=version, exc=exc,
                                                    report=report)
            continue
        t_prep = time.perf_counter()
        batch, ok, errors = photos_prepare(photos=[j.photo for j in jobs],
                                           size=model.input_size)
        for n, exc in errors.items():
            logger.warning("job %s: photo %s unusable: %s", jobs[n].pk, jobs[n].photo_id, exc)
            identification_job_fail(job_id=jobs[n].pk, code=exc.code,
                                    error=f"The photo cannot be used: {PHOTO_REASONS[exc.code]}")
            report.failed.append(jobs[n].pk)
        if not ok:
            continue
        t_embed = time.perf_counter()
        vectors = model.embedder.embed(batch)
        t_search = time.perf_counter()
        index = gallery_get(model_version=version)
        exclude = [index.row_of_photo.get(jobs[n].photo_id) for n in ok]
        results = index.gallery.search(vectors, k=TOP_K, exclude=exclude)
        t_store = time.perf_counter()
        from dois.ml.gallery import new_individual_probability

        answers = []
        for n, vector, cands in zip(ok, vectors, results, strict=True):
            job = jobs[n]
            probability = new_individual_probability(cands, calibration=model.calibration)
            timings = {
                "batch_size": len(ok),
                "load_ms": round((t_prep - t_load) * 1000, 1),
                "prepare_ms": round((t_embed - t_prep) * 1000, 1),
                "embed_ms": round((t_search - t_embed) * 1000, 1),
                "search_ms": round((t_store - t_search) * 1000, 1),
                "backend": model.backend,
            }
            if job.sent_at:
                timings["wait_ms"] = round(
                    (job.started_at - job.sent_at).total_seconds() * 1000, 1)
            answers.append(JobResult(
                job_id=job.pk, vector=vector,
                candidates=[(int(c.label), c.score, index.photo_ids[c.photo_index])
                            for c in cands],
                new_individual_probability=float(probability), timings=timings))
        stored = set(identification_job_results_store(results=answers))
        for answer in answers:
            (report.done if answer.job_id in stored else report.skipped).append(answer.job_id)
    report.timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return report


# --- gallery embeddings ---------------------------------------------------------------


def embeddings_compute(*, model_version_id: int, photo_ids: Iterable[int]) -> int:
    """Embed photos under a version where no embedding exists yet; returns how many.

    Unusable photos are skipped (logged). Safe to run twice.
    """
    version = ModelVersion.objects.get(pk=model_version_id)
    have = set(Embedding.objects.filter(model_version=version, photo_id__in=list(photo_ids))
               .values_list("photo_id", flat=True))
    photos = list(Photo.objects.filter(pk__in=list(photo_ids)).exclude(pk__in=have)
                  .order_by("pk"))
    if not photos:
        return 0
    if version.kind == ModelVersion.Kind.EDGE:
        return edge_embeddings_compute(version=version, photos=photos)
    model = model_load(model_version=version)
    made = 0
    size = identify_batch_size() * 4
    for start in range(0, len(photos), size):
        chunk = photos[start:start + size]
        batch, ok, errors = photos_prepare(photos=chunk, size=model.input_size)
        for n, reason in errors.items():
            logger.warning("photo %s not embedded: %s", chunk[n].pk, reason)
        if not ok:
            continue
        vectors = model.embedder.embed(batch)
        for n, vector in zip(ok, vectors, strict=True):
            _emb, created = Embedding.objects.get_or_create(
                photo_id=chunk[n].pk, model_version=version,
                defaults={"vector": np.asarray(vector, np.float32).tobytes()})
            made += int(created)
    return made


def gallery_photos_missing(*, model_version: ModelVersion, limit: int = 500) -> list[int]:
    """Reference photos without an embedding under ``model_version``."""
    return list(Photo.objects.gallery().exclude(
        embeddings__model_version=model_version).order_by("pk")
        .values_list("pk", flat=True)[:limit])


def gallery_fill_send(*, model_version: ModelVersion) -> int:
    """Send a task that embeds the reference photos the version's gallery lacks."""
    missing = gallery_photos_missing(model_version=model_version)
    if missing:
        try:
            current_app.send_task(EMBED_TASK, args=[model_version.pk, missing],
                                  queue="identify")
        except Exception:  # noqa: BLE001 - the next sweep tries again
            logger.warning("could not send the gallery embedding task", exc_info=True)
            return 0
    return len(missing)
