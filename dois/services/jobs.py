"""Identification jobs: creating, sending, failing, re-queueing and claiming them.

The job row is the truth; the broker only carries job ids. Every function here is safe
to call twice with the same ids. Running claimed jobs is :mod:`dois.services.identify`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from dois.models import IdentificationJob, ModelVersion, Photo
from dois.services.model_versions import model_version_ensure_shipped, model_version_path

logger = logging.getLogger(__name__)

IDENTIFY_TASK = "dois.tasks.identify_photo"
IDENTIFY_BATCH_TASK = "dois.tasks.identify_batch"
EMBED_TASK = "dois.tasks.identify_embed_photos"
MAX_ATTEMPTS = 3


@contextmanager
def job_transaction() -> Iterator[None]:
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
    :func:`dois.services.photos.photos_submit`). Idempotent: one job per photo, version and
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


def identification_jobs_fail_model_unusable(*, jobs: list, version: ModelVersion,
                                            exc: Exception, report: RunReport) -> None:
    """Fail a batch's jobs whose version cannot be loaded (``model_unavailable``: the sweep
    re-queues them once it loads). The log names the file; users are told no path."""
    logger.warning("model version %s (%s) unusable, jobs %s fail until it loads: %s",
                   version.name, model_version_path(model_version=version),
                   [j.pk for j in jobs], exc)
    for job in jobs:
        identification_job_fail(
            job_id=job.pk, code=IdentificationJob.ErrorCode.MODEL_UNAVAILABLE,
            error=f"The model {version.name} cannot be used: {exc}")
        report.failed.append(job.pk)


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
