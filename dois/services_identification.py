"""Identification jobs: create, send, run, store results, sweep; model versions.

The job row is the truth; the broker only carries job ids. Every function here is safe
to call twice with the same ids: results are written under a row lock and a job that
is already ``done`` is left alone, candidates are replaced in one transaction.

Version one of a fresh install is created lazily by :func:`identification_job_create`
through :func:`model_version_ensure_shipped` when no version is active: the method the
site serves (``settings.DOIS_METHOD``, default ``edge``: the fin's outline, issue 13,
with the segmenter ``DOIS_SEGMENTER_PATH``), and the shipped appearance model
(``DOIS_MODEL_PATH``) beside it, inactive but selectable. A fresh install needs no data
migration and a test that points these elsewhere gets its own version. The demo loader
and the sweep may call it too; it is idempotent.

A version's ``kind`` says how its jobs run: ``appearance`` embeds crops in batches and
searches a vector gallery; ``edge`` traces each crop's outline (or takes the photo's
person-made one), stores the outline, the canonical trailing edge and its shortlist
vector, and searches an :class:`dois.ml.edges.EdgeGallery` of the reference photos'
edges. Both write results through the same idempotent paths.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from celery import current_app
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
)
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from dois import inference
from dois.model_files import model_file_is_stored, model_file_local
from dois.models import (
    Candidate,
    Decision,
    Embedding,
    IdentificationJob,
    Individual,
    ModelVersion,
    Outline,
    Photo,
)
from dois.selectors_outlines import outlines_current

logger = logging.getLogger(__name__)

IDENTIFY_TASK = "dois.tasks.identify_photo"
IDENTIFY_BATCH_TASK = "dois.tasks.identify_batch"
EMBED_TASK = "dois.tasks.identify_embed_photos"
MAX_ATTEMPTS = 3
# A job that failed because its model could not be loaded is re-queued by the sweep at
# most this many times (a model that passes the file check but never loads stops there),
# and one sweep re-queues at most SWEEP_REQUEUE_LIMIT jobs and creates at most
# SWEEP_CREATE_LIMIT missing ones.
MODEL_REQUEUE_MAX = 3
SWEEP_REQUEUE_LIMIT = 500
SWEEP_CREATE_LIMIT = 500
# what ``error`` says of a photo that cannot be used, by code (plain, for operators)
PHOTO_REASONS = {
    "photo_missing": "its file is missing",
    "photo_unreadable": "not a readable image",
    "photo_no_fin": "no fin in the crop",
}
TOP_K = 5
GALLERY_STATES = (Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL)


@contextmanager
def _job_transaction() -> Iterator[None]:
    """A transaction for a worker's results of a batch.

    On PostgreSQL its commit does not wait for the write-ahead log to reach the disk
    (``synchronous_commit = off`` for this transaction only). A database crash may then
    forget the last fraction of a second of results, never half of one: the jobs are back
    in ``running`` and the sweep runs them again. The photos and jobs themselves are
    written by the web process with normal, durable commits.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def identify_batch_size() -> int:
    """Most jobs one task embeds together (``DOIS_IDENTIFY_BATCH``, default 32)."""
    return max(1, int(settings.DOIS_IDENTIFY_BATCH))


# --- model versions -------------------------------------------------------------------


def model_version_path(*, model_version: ModelVersion) -> Path:
    """The model file of a version on this host: a model in the media store
    (``storage:...``, trained or promoted on another host) is fetched once into
    ``DOIS_MODEL_DIR/cache`` (:mod:`dois.model_files`); relative paths are relative to
    the project (the shipped models)."""
    if model_file_is_stored(value=model_version.file_path):
        return model_file_local(value=model_version.file_path)
    path = Path(model_version.file_path)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def model_version_file_value(*, path: Path) -> str:
    """How a model path is stored: relative to the project when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def served_method() -> str:
    """The identification method a fresh install serves (``DOIS_METHOD``, default edge)."""
    method = str(settings.DOIS_METHOD or ModelVersion.Kind.EDGE)
    return method if method in ModelVersion.Kind.values else ModelVersion.Kind.EDGE


def segmenter_path() -> Path:
    """The edge method's segmenter file (``DOIS_SEGMENTER_PATH``, default the shipped one)."""
    configured = settings.DOIS_SEGMENTER_PATH
    if configured:
        return Path(configured)
    from dois.ml.segment import DEFAULT_SEGMENTER_PATH

    return DEFAULT_SEGMENTER_PATH


def shipped_model_path(*, kind: str) -> Path:
    """The shipped file of a method: the segmenter (edge) or the embedder (appearance)."""
    return segmenter_path() if kind == ModelVersion.Kind.EDGE else Path(settings.DOIS_MODEL_PATH)


def _appearance_version_get_or_create(*, path: Path) -> ModelVersion | None:
    if not path.is_file():
        return None
    meta = inference.model_metadata_read(path)
    name = f"{meta['name']}-{meta['version']}" if meta.get("version") else str(meta["name"])
    version = ModelVersion.objects.filter(file_path=model_version_file_value(path=path),
                                          kind=ModelVersion.Kind.APPEARANCE).first()
    if version is not None:
        return version
    try:
        with transaction.atomic():
            return ModelVersion.objects.create(
                name=name, kind=ModelVersion.Kind.APPEARANCE,
                file_path=model_version_file_value(path=path),
                embedding_dim=int(meta["embedding_dim"]), input_size=int(meta["input_size"]),
                threshold=float(meta["new_individual_threshold"]),
                metrics=meta.get("metrics") or {},
                notes=_("The shipped model (version one of a fresh install)."))
    except IntegrityError:  # created concurrently (or the name is taken)
        return ModelVersion.objects.filter(file_path=model_version_file_value(path=path)).first()


def _edge_version_get_or_create(*, path: Path) -> ModelVersion | None:
    if not (path.is_file() or path.with_suffix(".tflite").is_file()):
        return None
    try:
        name = inference.edge_method_name(path)
    except inference.ModelUnusable:
        return None
    version = ModelVersion.objects.filter(name=name).first()
    if version is not None:
        return version
    from dois.ml.edge_encoder import DEFAULT_ENCODER_PATH, DIM
    from dois.ml.edges import EDGE_SETTINGS_PATH

    meta = inference.model_metadata_read(path)
    try:
        settings_ = json.loads(EDGE_SETTINGS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        settings_ = {}
    dim = DIM if DEFAULT_ENCODER_PATH.with_suffix(".tflite").is_file() else 96
    try:
        with transaction.atomic():
            return ModelVersion.objects.create(
                name=name, kind=ModelVersion.Kind.EDGE,
                file_path=model_version_file_value(path=path), embedding_dim=dim,
                input_size=int(meta.get("input_size") or 128),
                threshold=float(settings_.get("new_individual_threshold", 0.5)),
                metrics={"segmenter": meta.get("metrics") or {},
                         "new_individual": settings_.get("calibration_fitted") or {}},
                notes=_("The fin outline method shipped with DoIs: the trailing edge of the "
                        "dorsal fin, traced and compared after alignment."))
    except IntegrityError:
        return ModelVersion.objects.filter(name=name).first()


def model_versions_register_shipped() -> list[ModelVersion]:
    """The shipped methods' versions (edge and appearance), created where their files
    are and no version exists yet; none is activated here. Idempotent."""
    found = [_edge_version_get_or_create(path=segmenter_path()),
             _appearance_version_get_or_create(path=Path(settings.DOIS_MODEL_PATH))]
    return [v for v in found if v is not None]


def model_version_ensure_shipped() -> ModelVersion | None:
    """The active version; creates and activates the served method's shipped version
    when none is active (the other shipped one is registered beside it, inactive).

    Returns None (and logs) when no version is active and the served method's file is
    absent: the photo is then saved without a job. Safe under concurrency: at most one
    version may be active (a database constraint), so a racing second call reads the
    first one's row.
    """
    active = ModelVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    kind = served_method()
    path = shipped_model_path(kind=kind)
    if kind == ModelVersion.Kind.EDGE:
        version = _edge_version_get_or_create(path=path)
        if version is not None:
            _appearance_version_get_or_create(path=Path(settings.DOIS_MODEL_PATH))
    else:
        version = _appearance_version_get_or_create(path=path)
    if version is None:
        logger.warning("no active model version and no shipped %s model at %s", kind, path)
        return None
    try:
        with transaction.atomic():
            if not ModelVersion.objects.filter(is_active=True).exists():
                ModelVersion.objects.filter(pk=version.pk).update(
                    is_active=True, state=ModelVersion.State.READY,
                    activated_at=timezone.now())
    except IntegrityError:  # activated concurrently
        pass
    return ModelVersion.objects.filter(is_active=True).first() or version


# --- creating and sending jobs -------------------------------------------------------


def identification_jobs_send(*, job_ids: list[int]) -> bool:
    """Hand jobs to the broker in chunks; on a broker error they stay queued (unsent).

    One broker connection for all chunks and one ``sent_at`` update for all of them;
    after the first failed chunk the rest are not tried. Returns False when any job was
    not sent; the periodic sweep re-sends those.
    """
    size = identify_batch_size()
    chunks = [[int(i) for i in job_ids[start:start + size]]
              for start in range(0, len(job_ids), size)]
    sent: list[int] = []
    try:
        with current_app.producer_or_acquire() as producer:
            for chunk in chunks:
                try:
                    if len(chunk) == 1:
                        current_app.send_task(IDENTIFY_TASK, args=chunk, queue="identify",
                                              producer=producer)
                    else:
                        current_app.send_task(IDENTIFY_BATCH_TASK, args=[chunk],
                                              queue="identify", producer=producer,
                                              argsrepr=f"[{len(chunk)} jobs]")
                except Exception:  # noqa: BLE001 - any broker failure: the sweep re-sends
                    # the broker is down: do not wait for it once per chunk
                    logger.warning("could not send identification jobs %s; they and the "
                                   "rest of this upload stay queued", chunk, exc_info=True)
                    break
                sent.extend(chunk)
    except Exception:  # noqa: BLE001 - no connection from the pool at all
        logger.warning("could not reach the broker; jobs %s stay queued", job_ids,
                       exc_info=True)
    if sent:
        IdentificationJob.objects.filter(pk__in=sent).update(sent_at=timezone.now())
    return len(sent) == len(job_ids)


def identification_job_create(*, photo: Photo, send: bool = True
                              ) -> IdentificationJob | None:
    """Queue ``photo`` (its current revision) for the active model version; the job is
    sent after commit (``send=False``: the caller sends it, with others, see
    :func:`dois.services.photos_submit`). Idempotent: one job per photo, version and
    revision.

    Call it inside the photo's transaction. Creates version one from the shipped model
    when there is no version yet.
    """
    model_version = model_version_ensure_shipped()
    if model_version is None:
        return None
    job, _created = IdentificationJob.objects.get_or_create(
        photo=photo, model_version=model_version, revision=photo.revision,
        defaults={"status": IdentificationJob.Status.QUEUED},
    )
    if send and job.status == IdentificationJob.Status.QUEUED:
        identification_jobs_send_on_commit(job_ids=[job.pk])
    return job


def identification_jobs_send_on_commit(*, job_ids: list[int]) -> None:
    """Send these jobs once the current transaction commits (at once outside one); a
    bulk upload registers this once for all its jobs, which go in chunks."""
    if job_ids:
        ids = list(dict.fromkeys(int(i) for i in job_ids))
        transaction.on_commit(lambda: identification_jobs_send(job_ids=ids))


# --- running jobs ---------------------------------------------------------------------


@dataclass
class RunReport:
    """What one run of a batch did, by job id."""

    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def identification_job_fail(*, job_id: int, code: str, error: str) -> None:
    """Mark a job failed with its ``code`` (what users are told) and a plain ``error`` for
    operators: never a path or a traceback (log those). Only ``model_unavailable`` is
    re-queued later, by the sweep (:func:`identification_jobs_model_requeue`)."""
    IdentificationJob.objects.filter(pk=job_id).exclude(
        status=IdentificationJob.Status.DONE).update(
        status=IdentificationJob.Status.FAILED, error=error[:2000], error_code=code,
        finished_at=timezone.now())


def identification_jobs_requeue(*, job_ids: list[int], error: str = "") -> None:
    """Put running jobs back to ``queued`` after a transient error (retried later).

    ``error`` is a plain reason (no exception text: it may name hosts or sockets)."""
    IdentificationJob.objects.filter(
        pk__in=job_ids, status=IdentificationJob.Status.RUNNING).update(
        status=IdentificationJob.Status.QUEUED, error=error[:2000])


_CLAIM_SQL = """
WITH claimed AS (
    UPDATE dois_identificationjob
    SET status = %(running)s, attempts = attempts + 1, started_at = %(now)s,
        worker = %(worker)s, error = '', error_code = ''
    WHERE id = ANY(%(ids)s) AND status = ANY(%(open)s) AND attempts < %(max)s
    RETURNING id
)
SELECT j.id, j.status, j.attempts, j.sent_at, j.photo_id, j.model_version_id,
       p.original, p.crop_x, p.crop_y, p.crop_w, p.crop_h, claimed.id IS NOT NULL
FROM dois_identificationjob AS j
JOIN dois_photo AS p ON p.id = j.photo_id
LEFT JOIN claimed ON claimed.id = j.id
WHERE j.id = ANY(%(ids)s)
ORDER BY j.id
"""


@dataclass(frozen=True)
class ClaimedPhoto:
    """What a run reads of a photo: its file and crop box (its id is the job's ``photo_id``)."""

    original: FieldFile
    crop_box: tuple[int, int, int, int]


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker has claimed, with what its run needs (no ORM instances: building
    them cost more than the claim's SQL)."""

    pk: int
    attempts: int
    started_at: datetime
    sent_at: datetime | None
    photo_id: int
    model_version_id: int
    model_version: ModelVersion
    photo: ClaimedPhoto


def _claimed_photo(*, name: str, box: tuple[int, int, int, int]) -> ClaimedPhoto:
    field_ = Photo._meta.get_field("original")
    return ClaimedPhoto(original=FieldFile(None, field_, name), crop_box=box)


def _claim_postgresql(*, job_ids: list[int], worker: str, now
                      ) -> tuple[list[ClaimedJob], list[tuple[int, str, int]]]:
    """One statement: the update and a read of every job, the claimed ones marked.

    The read sees the rows as they were before the update (one snapshot), so a claimed
    job's new state is filled in here.
    """
    Status = IdentificationJob.Status
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {
            "running": Status.RUNNING, "now": now, "worker": worker, "ids": job_ids,
            "open": [Status.QUEUED, Status.RUNNING], "max": MAX_ATTEMPTS})
        rows = cursor.fetchall()
    versions = ModelVersion.objects.in_bulk({row[5] for row in rows if row[11]})
    claimed, seen = [], []
    for (pk, status, attempts, sent_at, photo_id, version_id, original, cx, cy, cw, ch,
         mine) in rows:
        seen.append((pk, status, attempts))
        if not mine:
            continue
        claimed.append(ClaimedJob(
            pk=pk, attempts=attempts + 1, started_at=now, sent_at=sent_at, photo_id=photo_id,
            model_version_id=version_id, model_version=versions[version_id],
            photo=_claimed_photo(name=original, box=(cx, cy, cx + cw, cy + ch))))
    return claimed, seen


def _claim_orm(*, job_ids: list[int], worker: str, now
               ) -> tuple[list[ClaimedJob], list[tuple[int, str, int]]]:
    """The ORM's way (any database): an update, then a read of what it changed."""
    Status = IdentificationJob.Status
    IdentificationJob.objects.filter(
        pk__in=job_ids, status__in=(Status.QUEUED, Status.RUNNING),
        attempts__lt=MAX_ATTEMPTS).update(
        status=Status.RUNNING, attempts=F("attempts") + 1, started_at=now, worker=worker,
        error="", error_code="")
    jobs = list(IdentificationJob.objects.filter(pk__in=job_ids)
                .select_related("photo", "model_version").order_by("pk"))
    claimed = [ClaimedJob(
        pk=j.pk, attempts=j.attempts, started_at=j.started_at, sent_at=j.sent_at,
        photo_id=j.photo_id, model_version_id=j.model_version_id,
        model_version=j.model_version, photo=_claimed_photo(
            name=j.photo.original.name, box=j.photo.crop_box))
        for j in jobs
        if j.status == Status.RUNNING and j.started_at == now and j.worker == worker]
    # the caller reads these only for the jobs this claim did not take, which it left as
    # they were
    return claimed, [(j.pk, j.status, j.attempts) for j in jobs]


def identification_jobs_claim(*, job_ids: list[int], worker: str
                              ) -> tuple[list[ClaimedJob], list[int]]:
    """Mark the open jobs among ``job_ids`` running, give up on worn-out ones.

    Returns the claimed jobs (with their photo and model version) and the ids skipped
    (done, failed, given up, or claimed again meanwhile by another worker: the last
    claim wins). Two round trips for the whole batch, whatever its size (a third only
    when a job has run out of attempts).
    """
    now = timezone.now()
    Status = IdentificationJob.Status
    worker = worker[:255]
    claim = _claim_postgresql if connection.vendor == "postgresql" else _claim_orm
    claimed, seen = claim(job_ids=list(job_ids), worker=worker, now=now)
    mine = {j.pk for j in claimed}
    worn = [pk for pk, status, attempts in seen if pk not in mine
            and status in (Status.QUEUED, Status.RUNNING) and attempts >= MAX_ATTEMPTS]
    if worn:
        IdentificationJob.objects.filter(pk__in=worn, status__in=(
            Status.QUEUED, Status.RUNNING)).update(
            status=Status.FAILED, finished_at=now,
            error_code=IdentificationJob.ErrorCode.WORKER_LOST,
            error=give_up_message(attempts=MAX_ATTEMPTS))
    return claimed, [pk for pk, _status, _attempts in seen if pk not in mine]


def give_up_message(*, attempts: int) -> str:
    """The stored reason of a job given up on (the pages show it by its error code)."""
    return f"Gave up after {attempts} attempts: the worker stopped or timed out each time."


def worker_threads() -> int:
    """TensorFlow threads for this process: ``TF_NUM_THREADS`` or cores / pool size."""
    concurrency = int(os.environ.get("DOIS_POOL_SIZE") or settings.CELERY_WORKER_CONCURRENCY)
    return inference.thread_count(configured=settings.TF_NUM_THREADS, concurrency=concurrency)


def model_load(*, model_version: ModelVersion
               ) -> inference.LoadedModel | inference.LoadedEdge:
    """The warmed method of a version in this process, loaded after the fork: the
    embedder (appearance) or the outline tracer and edge encoder (edge). Raises
    ``ModelUnusable``."""
    path = model_version_path(model_version=model_version)
    if model_version.kind == ModelVersion.Kind.EDGE:
        return inference.edge_method_get(path=path, threads=worker_threads())
    return inference.embedder_get(path=path, threads=worker_threads())


@dataclass
class GalleryIndex:
    """A version's gallery in memory: the search index and what each row is."""

    key: tuple
    gallery: object
    photo_ids: list[int]
    individual_ids: list[int]
    row_of_photo: dict[int, int]
    checked_at: float = 0.0  # time.monotonic() of the last full key check
    seen_embedding: int = 0  # every embedding up to this id has been looked at


_gallery_cache: dict[int, GalleryIndex] = {}


def _gallery_rows(model_version: ModelVersion):
    rows = Embedding.objects.filter(
        model_version=model_version, photo__state__in=GALLERY_STATES,
        photo__individual__isnull=False)
    if model_version.kind == ModelVersion.Kind.EDGE:  # photos with a usable outline
        rows = rows.filter(edge__isnull=False)
    return rows


def gallery_key(*, model_version: ModelVersion) -> tuple:
    """Changes whenever the gallery may have changed: embeddings, decisions, merges."""
    emb = _gallery_rows(model_version).aggregate(n=Count("id"), top=Max("id"))
    dec = Decision.objects.aggregate(top=Max("id"))["top"]
    merged = Individual.objects.filter(status=Individual.Status.MERGED).count()
    return (emb["n"], emb["top"], dec, merged)


def gallery_changed(*, index: GalleryIndex, model_version: ModelVersion, full: bool) -> bool:
    """Whether the gallery may have changed since ``index`` was built.

    Always checked, with lookups whose cost does not grow with the catalogue: a decision,
    a merge, or a gallery embedding among those added since the last check. With
    ``full``, the whole key (:func:`gallery_key`), whose row count also notices rows
    removed outside the services and embeddings committed out of id order; its cost
    grows with the catalogue.
    """
    if full:
        return gallery_key(model_version=model_version) != index.key
    _count, _top, top_decision, merged = index.key
    states = ", ".join(["%s"] * len(GALLERY_STATES))  # placeholders only
    sql = ("SELECT (SELECT MAX(id) FROM dois_decision), "  # noqa: S608
           "(SELECT COUNT(*) FROM dois_individual WHERE status = %s), "
           "(SELECT MAX(id) FROM dois_embedding), "
           "EXISTS (SELECT 1 FROM dois_embedding e JOIN dois_photo p ON p.id = e.photo_id "
           "WHERE e.id > %s AND e.model_version_id = %s AND p.individual_id IS NOT NULL "
           f"AND p.state IN ({states}))")
    with connection.cursor() as cursor:  # one round trip: this runs for every batch
        cursor.execute(sql, [Individual.Status.MERGED, index.seen_embedding,
                             model_version.pk, *GALLERY_STATES])
        decision, merged_now, newest, new_rows = cursor.fetchone()
    if decision != top_decision or merged_now != merged or new_rows:
        return True
    index.seen_embedding = newest or 0
    return False


def gallery_get(*, model_version: ModelVersion) -> GalleryIndex:
    """The version's gallery, cached in this process until it changes.

    Every call notices new decisions, merges and gallery embeddings (a few index
    lookups); the full key is read at most once per ``DOIS_GALLERY_RECHECK_S`` seconds.
    """
    from dois.ml.gallery import Gallery

    cached = _gallery_cache.get(model_version.pk)
    now = time.monotonic()
    # an edge version's gallery also keeps each photo's local scale (the new-individual
    # probability's hubness correction), so it is rebuilt, not patched, when it changes
    if cached is not None:
        full = now - cached.checked_at >= float(settings.DOIS_GALLERY_RECHECK_S)
        if not gallery_changed(index=cached, model_version=model_version, full=full):
            if full:
                cached.checked_at = now
            return cached
    newest = Embedding.objects.aggregate(top=Max("id"))["top"] or 0
    key = gallery_key(model_version=model_version)
    edge = model_version.kind == ModelVersion.Kind.EDGE
    fields = ("photo_id", "photo__individual_id", "vector") + (("edge",) if edge else ())
    rows = list(_gallery_rows(model_version).order_by("id").values_list(*fields))
    dim = model_version.embedding_dim
    vectors = (np.stack([np.frombuffer(bytes(r[2]), np.float32) for r in rows])
               if rows else np.zeros((0, dim), np.float32))
    photo_ids = [r[0] for r in rows]
    individual_ids = [r[1] for r in rows]
    if edge:
        from dois.ml.edges import EdgeGallery

        edges = (np.stack([np.frombuffer(bytes(r[3]), np.float32).reshape(-1, 2)
                           for r in rows]) if rows else np.zeros((0, 64, 2), np.float32))
        gallery = EdgeGallery(edges, individual_ids, vectors=vectors, photo_ids=photo_ids)
    else:
        gallery = Gallery(vectors, individual_ids)
    index = GalleryIndex(
        key=key, gallery=gallery, photo_ids=photo_ids, individual_ids=individual_ids,
        row_of_photo={p: n for n, p in enumerate(photo_ids)}, checked_at=now,
        seen_embedding=newest)
    _gallery_cache[model_version.pk] = index
    return index


def gallery_forget() -> None:
    """Drop this process's cached galleries."""
    _gallery_cache.clear()


def _photo_bytes(photo: Photo | ClaimedPhoto) -> bytes:
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
            arrays.append(inference.image_prepare(data=_photo_bytes(photo),
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
# only for a job of the photo's current revision (services_corrections). Vectors and
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
    with _job_transaction():
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
            _edge_jobs_run(jobs=jobs, version=version, report=report)
            continue
        t_load = time.perf_counter()
        try:
            model = model_load(model_version=version)
        except inference.ModelUnusable as exc:
            logger.warning("model version %s (%s) unusable, jobs %s fail until it loads: %s",
                           version.name, model_version_path(model_version=version),
                           [j.pk for j in jobs], exc)
            for job in jobs:
                identification_job_fail(
                    job_id=job.pk, code=IdentificationJob.ErrorCode.MODEL_UNAVAILABLE,
                    error=f"The model {version.name} cannot be used: {exc}")
                report.failed.append(job.pk)
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
            rgb = inference.crop_rgb(data=_photo_bytes(photo), box=photo.crop_box)
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


def _edge_jobs_run(*, jobs: list[ClaimedJob], version: ModelVersion, report: RunReport
                   ) -> None:
    """Run one edge version's claimed jobs: outline, edge and vector per photo, one
    search each, results stored together (see :func:`identification_jobs_run`)."""
    from dois.ml.edges import new_individual_probability

    t_load = time.perf_counter()
    try:
        method = model_load(model_version=version)
    except inference.ModelUnusable as exc:
        logger.warning("method version %s (%s) unusable, jobs %s fail until it loads: %s",
                       version.name, model_version_path(model_version=version),
                       [j.pk for j in jobs], exc)
        for job in jobs:
            identification_job_fail(
                job_id=job.pk, code=IdentificationJob.ErrorCode.MODEL_UNAVAILABLE,
                error=f"The model {version.name} cannot be used: {exc}")
            report.failed.append(job.pk)
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
        cands = index.gallery.search(fin.edge, k=TOP_K, vector=fin.vector,
                                     exclude=() if row is None else (row,))
        probability = float(new_individual_probability(cands,
                                                       calibration=method.calibration))
        searched += time.perf_counter() - t0
        timings["search_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        answers.append(JobResult(
            job_id=job.pk, vector=fin.vector, edge=fin.edge,
            candidates=[(int(c.label), float(c.score), c.photo_id) for c in cands],
            new_individual_probability=probability, timings=timings,
            outline_id=described.outline_id))
    report.timings["search_ms"] = round((time.perf_counter() - t_search) * 1000, 1)
    stored = set(identification_job_results_store(results=answers))
    for answer in answers:
        (report.done if answer.job_id in stored else report.skipped).append(answer.job_id)


def _edge_embeddings_compute(*, version: ModelVersion, photos: list[Photo]) -> int:
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
                    "edge": (None if fin.edge is None
                             else np.asarray(fin.edge, np.float32).tobytes()),
                    "outline_id": described.outline_id})
            made += int(created)
    return made


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
        return _edge_embeddings_compute(version=version, photos=photos)
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


# --- the sweep ------------------------------------------------------------------------


def model_version_available(*, model_version: ModelVersion) -> bool:
    """Whether the version's model file is there and a sound ``.keras`` archive, and the
    version is not marked failed (no TensorFlow: the sweep runs on the default queue)."""
    if model_version.state == ModelVersion.State.FAILED:
        return False
    ok, _detail = inference.model_file_check(model_version_path(model_version=model_version))
    return ok


def identification_jobs_missing_create(*, model_version: ModelVersion,
                                       limit: int | None = None) -> list[int]:
    """Jobs for photos waiting for identification that have none under ``model_version``.

    A photo saved while no version could be made (the shipped model file was missing)
    has no job at all; one saved before a new version was activated has none under it
    (for its current revision: a correction makes a new one, see
    :mod:`dois.services_corrections`).
    Only photos still ``submitted`` (no researcher decided, no result yet) get one; at
    most ``limit`` (default :data:`SWEEP_CREATE_LIMIT`) per call, oldest first. Sent on
    commit. Returns the new jobs' ids.
    """
    limit = SWEEP_CREATE_LIMIT if limit is None else limit
    has_job = IdentificationJob.objects.filter(
        photo=OuterRef("pk"), model_version=model_version, revision=OuterRef("revision"))
    photos = list(Photo.objects.filter(state=Photo.State.SUBMITTED)
                  .exclude(Exists(has_job)).order_by("pk")[:limit])
    created = []
    with transaction.atomic():
        for photo in photos:
            job, new = IdentificationJob.objects.get_or_create(
                photo=photo, model_version=model_version, revision=photo.revision,
                defaults={"status": IdentificationJob.Status.QUEUED})
            if new:
                created.append(job.pk)
        identification_jobs_send_on_commit(job_ids=created)
    return created


def identification_jobs_model_requeue(*, model_version: ModelVersion,
                                      limit: int | None = None) -> list[int]:
    """Re-queue ``model_version``'s jobs that failed only because its model could not be
    loaded (``error_code = model_unavailable``); call it once the model is available.

    Bounded: a job is re-queued at most :data:`MODEL_REQUEUE_MAX` times (a model that
    passes the file check yet never loads stops there) and one call re-queues at most
    ``limit`` (default :data:`SWEEP_REQUEUE_LIMIT`) jobs, oldest first. Attempts start
    again from zero. Returns the ids.
    """
    limit = SWEEP_REQUEUE_LIMIT if limit is None else limit
    Status = IdentificationJob.Status
    with transaction.atomic():
        ids = list(IdentificationJob.objects.select_for_update(skip_locked=True).filter(
            model_version=model_version, status=Status.FAILED,
            error_code=IdentificationJob.ErrorCode.MODEL_UNAVAILABLE,
            model_requeues__lt=MODEL_REQUEUE_MAX).order_by("pk")
            .values_list("pk", flat=True)[:limit])
        if ids:
            IdentificationJob.objects.filter(pk__in=ids).update(
                status=Status.QUEUED, attempts=0, error="", error_code="",
                finished_at=None, started_at=None, sent_at=None,
                model_requeues=F("model_requeues") + 1)
            identification_jobs_send_on_commit(job_ids=ids)
    if ids:
        logger.info("model %s is available again: re-queued jobs %s", model_version.name, ids)
    return ids


@dataclass
class SweepReport:
    resent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    gallery_missing: int = 0
    model_available: bool = False


def identification_jobs_sweep(*, older_than_s: float | None = None) -> SweepReport:
    """The beat's sweep of identification jobs (safe to run often, and twice).

    - Re-sends jobs stuck in ``queued`` or ``running``: never sent (broker down at
      submit), or sent/started longer ago than ``DOIS_JOB_TIMEOUT_S`` (lost message,
      killed worker). A running job that has used its ``MAX_ATTEMPTS`` fails
      (``worker_lost``).
    - When the active version's model is available (the shipped model becomes version
      one if none is active yet): creates the jobs photos lack
      (:func:`identification_jobs_missing_create`), re-queues jobs that failed because
      the model was unavailable (:func:`identification_jobs_model_requeue`, bounded),
      and asks for the embeddings the gallery lacks.
    """
    report = SweepReport()
    timeout = settings.DOIS_JOB_TIMEOUT_S if older_than_s is None else older_than_s
    now = timezone.now()
    cutoff = now - timedelta(seconds=timeout)
    fresh = now - timedelta(seconds=min(2.0, timeout))
    Status = IdentificationJob.Status
    with transaction.atomic():
        stale = list(IdentificationJob.objects.select_for_update(skip_locked=True).filter(
            Q(status=Status.QUEUED, sent_at__isnull=True, created_at__lt=fresh)
            | Q(status=Status.QUEUED, sent_at__lt=cutoff)
            | Q(status=Status.RUNNING, started_at__lt=cutoff)).order_by("pk")[:2000])
        for job in stale:
            if job.status == Status.RUNNING and job.attempts >= MAX_ATTEMPTS:
                job.status, job.finished_at = Status.FAILED, now
                job.error_code = IdentificationJob.ErrorCode.WORKER_LOST
                job.error = give_up_message(attempts=job.attempts)
                job.save(update_fields=["status", "finished_at", "error", "error_code"])
                report.failed.append(job.pk)
            else:
                report.resent.append(job.pk)
        IdentificationJob.objects.filter(pk__in=report.resent).update(
            status=Status.QUEUED, sent_at=None)
    if report.resent:
        identification_jobs_send(job_ids=report.resent)
    active = model_version_ensure_shipped()
    # a deploy whose shipped method changed (a new method string: matching, outline code
    # or segmenter) brings a new, inactive version; activating it re-traces the gallery
    model_versions_register_shipped()
    if active is not None and model_version_available(model_version=active):
        report.model_available = True
        report.created = identification_jobs_missing_create(model_version=active)
        report.requeued = identification_jobs_model_requeue(model_version=active)
        report.gallery_missing = gallery_fill_send(model_version=active)
    return report
