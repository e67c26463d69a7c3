"""The edge method: trace each crop's outline (or take the photo's person-made one),
store the outline, the canonical trailing edge and its shortlist vector, and search an
:class:`dois.ml.edges.EdgeGallery` of the reference photos' edges.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dois import inference
from dois.models import Embedding, ModelVersion, Outline, Photo
from dois.selectors.outlines import outlines_current
from dois.services.gallery import gallery_get
from dois.services.jobs import (
    ClaimedJob,
    ClaimedPhoto,
    RunReport,
    identification_job_fail,
    identification_jobs_fail_model_unusable,
    identify_batch_size,
)
from dois.services.model_versions import model_load
from dois.services.results import (
    PHOTO_REASONS,
    TOP_K,
    JobResult,
    identification_job_results_store,
    photo_bytes,
)

logger = logging.getLogger(__name__)

# --- the edge method: outlines, edges, search ------------------------------------------


@dataclass
class _Fin:
    """One photo's outline and edge, as the edge method saw it."""

    fin: object  # dois.ml.edges.FinEdge
    outline_id: int | None  # the stored outline (None: new, to be stored)
    source: str  # "traced", "stored" (machine, this method) or "person"


def _crop_xywh(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    return (left, top, right - left, bottom - top)


def edge_fins_describe(*, photos: Sequence[tuple[int, int, Photo | ClaimedPhoto]],
                       method: inference.LoadedEdge, version: ModelVersion
                       ) -> tuple[dict[int, _Fin], dict[int, inference.ImageUnusable],
                                  dict[str, float]]:
    """Outline, canonical edge and vector of each ``(key, photo id, photo)``; keys are the
    caller's (several keys may name one photo).

    A photo's person-made outline on its current box is used as it is, and so is the
    machine outline this method traced of the same box before (a re-run traces nothing);
    the others are traced and their outlines stored (one row per photo, method and box:
    a second run finds it). Returns the fins by key, the photos that could not be read
    (with their error code) and timings in ms.
    """
    from dois.ml.edges import describe_fin
    from dois.ml.outline import Outline as Traced

    boxes = {key: _crop_xywh(photo.crop_box) for key, _pk, photo in photos}
    ids = {key: int(pk) for key, pk, _photo in photos}
    known = outlines_current(photos=[(ids[k], boxes[k]) for k, _pk, _p in photos],
                             method=method.outline_method)
    fins: dict[int, _Fin] = {}
    errors: dict[int, inference.ImageUnusable] = {}
    new_rows: dict[int, Outline] = {}
    prepare = trace = 0.0
    for key, _pk, photo in photos:
        row = known.get(ids[key])
        if row is not None and row.crop == boxes[key]:
            t0 = time.perf_counter()
            fin = describe_fin(outline=Traced.from_dict(row.data), tracer=method.tracer,
                               encoder=method.encoder)
            trace += time.perf_counter() - t0
            fins[key] = _Fin(fin, row.pk, "person" if row.made_by == Outline.MadeBy.PERSON
                             else "stored")
            continue
        t0 = time.perf_counter()
        try:
            rgb = inference.crop_rgb(data=photo_bytes(photo=photo), box=photo.crop_box)
        except inference.ImageUnusable as exc:
            errors[key] = exc
            continue
        t1 = time.perf_counter()
        fin = describe_fin(rgb, tracer=method.tracer, encoder=method.encoder)
        prepare, trace = prepare + t1 - t0, trace + time.perf_counter() - t1
        fins[key] = _Fin(fin, None, "traced")
        x, y, w, h = boxes[key]
        out = fin.outline
        new_rows[key] = Outline(
            photo_id=ids[key], crop_x=x, crop_y=y, crop_w=w, crop_h=h, data=out.to_dict(),
            made_by=Outline.MadeBy.MACHINE, method=method.outline_method,
            model_version=version, confidence=float(out.confidence),
            ok=bool(out.usable), reason=_reason(out))
    if new_rows:
        stored = _machine_outlines_store(rows=list(new_rows.values()),
                                         method=method.outline_method)
        for key, row in new_rows.items():
            fins[key].outline_id = stored.get((row.photo_id, row.crop))
    return fins, errors, {"prepare_ms": round(prepare * 1000, 1),
                          "trace_ms": round(trace * 1000, 1)}


def _reason(outline) -> str:
    """The stored reason: ``ok`` for a usable outline, else the tracer's (a known one)."""
    if outline.usable:
        return Outline.Reason.OK
    reason = outline.reason if outline.reason != "ok" else "edge_too_short"
    return reason if reason in Outline.Reason.values else Outline.Reason.LOW_CONFIDENCE


def _machine_outlines_store(*, rows: list[Outline], method: str
                            ) -> dict[tuple[int, tuple[int, int, int, int]], int]:
    """Insert machine outlines once (one per photo, method and box; a concurrent or second
    run's copy is dropped) and return every row's id by (photo id, box). Two queries."""
    Outline.objects.bulk_create(rows, ignore_conflicts=True)
    found = Outline.objects.filter(made_by=Outline.MadeBy.MACHINE, method=method,
                                   photo_id__in={r.photo_id for r in rows}).values_list(
        "photo_id", "crop_x", "crop_y", "crop_w", "crop_h", "pk")
    return {(pk_photo, (x, y, w, h)): pk for pk_photo, x, y, w, h, pk in found}


def edge_jobs_run(*, jobs: list[ClaimedJob], version: ModelVersion, report: RunReport
                  ) -> None:
    """Run one edge version's claimed jobs: outline, edge and vector per photo, one
    search each, results stored together (see :func:`identification_jobs_run`)."""
    from dois.ml.edges import new_individual_probability

    t_load = time.perf_counter()
    try:
        method = model_load(model_version=version)
    except inference.ModelUnusable as exc:
        identification_jobs_fail_model_unusable(jobs=jobs, version=version, exc=exc,
                                                report=report)
        return
    t_prep = time.perf_counter()
    fins, errors, spent = edge_fins_describe(
        photos=[(n, job.photo_id, job.photo) for n, job in enumerate(jobs)], method=method,
        version=version)
    for n, exc in errors.items():
        logger.warning("job %s: photo %s unusable: %s", jobs[n].pk, jobs[n].photo_id, exc)
        identification_job_fail(job_id=jobs[n].pk, code=exc.code,
                                error=f"The photo cannot be used: {PHOTO_REASONS[exc.code]}")
        report.failed.append(jobs[n].pk)
    if not fins:
        return
    t_search = time.perf_counter()
    index = gallery_get(model_version=version)
    answers = []
    searched = 0.0
    for n, described in sorted(fins.items()):
        job, fin = jobs[n], described.fin
        timings = {"batch_size": len(fins), "load_ms": round((t_prep - t_load) * 1000, 1),
                   **spent, "outline": described.source, "backend": method.backend,
                   "method": "edge"}
        if job.sent_at:
            timings["wait_ms"] = round((job.started_at - job.sent_at).total_seconds() * 1000,
                                       1)
        if fin.edge is None:  # no usable outline: done, no candidates, a person looks
            answers.append(JobResult(
                job_id=job.pk, vector=None, candidates=[], new_individual_probability=None,
                timings=timings, outline_id=described.outline_id,
                outline_reason=_reason(fin.outline)))
            continue
        t0 = time.perf_counter()
        row = index.row_of_photo.get(job.photo_id)
        cands = index.gallery.search(fin.edge, k=TOP_K, vector=fin.vector, shape=fin.shape,
                                     exclude=() if row is None else (row,))
        probability = float(new_individual_probability(cands,
                                                       calibration=method.calibration))
        searched += time.perf_counter() - t0
        timings["search_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        answers.append(JobResult(
            job_id=job.pk, vector=fin.vector, edge=fin.stored,
            candidates=[(int(c.label), float(c.score), c.photo_id) for c in cands],
            new_individual_probability=probability, timings=timings,
            outline_id=described.outline_id))
    report.timings["search_ms"] = round((time.perf_counter() - t_search) * 1000, 1)
    stored = set(identification_job_results_store(results=answers))
    for answer in answers:
        (report.done if answer.job_id in stored else report.skipped).append(answer.job_id)


def edge_embeddings_compute(*, version: ModelVersion, photos: list[Photo]) -> int:
    """Outline, edge and vector of photos under an edge version (gallery fill, activation):
    stored outlines are reused, the rest traced. Photos without a usable outline get an
    empty row (processed, never searched). Returns how many rows were made."""
    method = model_load(model_version=version)
    made = 0
    size = identify_batch_size()
    for start in range(0, len(photos), size):
        chunk = photos[start:start + size]
        fins, errors, _spent = edge_fins_describe(
            photos=[(n, p.pk, p) for n, p in enumerate(chunk)], method=method, version=version)
        for n, reason in errors.items():
            logger.warning("photo %s not traced: %s", chunk[n].pk, reason)
        for n, described in fins.items():
            fin = described.fin
            _emb, created = Embedding.objects.get_or_create(
                photo_id=chunk[n].pk, model_version=version, defaults={
                    "vector": (b"" if fin.vector is None
                               else np.asarray(fin.vector, np.float32).tobytes()),
                    "edge": (None if fin.stored is None
                             else np.asarray(fin.stored, np.float32).tobytes()),
                    "outline_id": described.outline_id})
            made += int(created)
    return made
