"""The sweep: re-sends identification jobs stuck in queued or running, re-queues jobs
whose model could not be loaded and creates the jobs that are missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from dois.models import IdentificationJob, ModelVersion, Photo
from dois.services.identify import gallery_fill_send
from dois.services.jobs import (
    MAX_ATTEMPTS,
    give_up_message,
    identification_jobs_send,
    identification_jobs_send_on_commit,
)
from dois.services.model_versions import (
    model_version_available,
    model_version_ensure_shipped,
    model_versions_register_shipped,
)

logger = logging.getLogger(__name__)

# A job that failed because its model could not be loaded is re-queued by the sweep at
# most this many times (a model that passes the file check but never loads stops there),
# and one sweep re-queues at most SWEEP_REQUEUE_LIMIT jobs and creates at most
# SWEEP_CREATE_LIMIT missing ones.
MODEL_REQUEUE_MAX = 3
SWEEP_REQUEUE_LIMIT = 500
SWEEP_CREATE_LIMIT = 500


# --- the sweep ------------------------------------------------------------------------


def identification_jobs_missing_create(*, model_version: ModelVersion,
                                       limit: int | None = None) -> list[int]:
    """Jobs for photos waiting for identification that have none under ``model_version``.

    A photo saved while no version could be made (the shipped model file was missing)
    has no job at all; one saved before a new version was activated has none under it
    (for its current revision: a correction makes a new one, see
    :mod:`dois.services.corrections`).
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
