"""Thin Celery tasks: take ids, call a service, safe to run twice.

Queues come from the routes in ``hub.celeryconfig``: ``identify_*`` run on the
``identify`` queue, ``train_*`` and ``reembed_*`` on ``train``, the rest on ``default``.
Identification tasks acknowledge late and are rejected (requeued) when their worker
process dies, so a killed worker's jobs come back; their time limits fit
``DOIS_JOB_TIMEOUT_S`` (the sweep re-sends a job after that long).
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from dois import services

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError)
_TIMEOUT = settings.DOIS_JOB_TIMEOUT_S
IDENTIFY_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": _TIMEOUT,
    "soft_time_limit": max(1, _TIMEOUT - max(2, _TIMEOUT // 10)),
    "max_retries": 4,
    "bind": True,
}


def _hostname(task) -> str:
    return getattr(task.request, "hostname", "") or ""


def _run(task, job_ids: list[int]) -> dict:
    try:
        report = services.identification_jobs_run(job_ids=job_ids, worker=_hostname(task))
    except SoftTimeLimitExceeded:
        services.identification_jobs_requeue(job_ids=job_ids, error="time limit exceeded")
        raise
    except TRANSIENT as exc:  # database or broker hiccup: back to queued, retry later
        logger.warning("jobs %s: %s; retried", job_ids, exc)
        try:
            services.identification_jobs_requeue(
                job_ids=job_ids, error=f"{type(exc).__name__}: the database or the broker "
                                       "was unreachable; retried")
        except DatabaseError:
            logger.warning("could not requeue jobs %s", job_ids)
        raise task.retry(exc=exc, countdown=min(60, 2 ** task.request.retries)) from exc
    return {"done": report.done, "failed": report.failed, "skipped": report.skipped}


@shared_task(name="dois.tasks.identify_batch", **IDENTIFY_OPTIONS)
def identify_batch(self, job_ids: list[int]) -> dict:
    """Identify up to a batch of jobs in one embedding call."""
    return _run(self, [int(i) for i in job_ids])


@shared_task(name="dois.tasks.identify_photo", **IDENTIFY_OPTIONS)
def identify_photo(self, job_id: int) -> dict:
    """Identify one job (kept for callers that send single ids)."""
    return _run(self, [int(job_id)])


@shared_task(name="dois.tasks.identify_embed_photos", bind=True, acks_late=True,
             reject_on_worker_lost=True, max_retries=4)
def identify_embed_photos(self, model_version_id: int, photo_ids: list[int]) -> int:
    """Embed reference photos that lack an embedding under a version (gallery fill)."""
    try:
        return services.embeddings_compute(model_version_id=model_version_id, photo_ids=photo_ids)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=min(60, 2 ** self.request.retries)) from exc


@shared_task(name="dois.tasks.sweep_jobs")
def sweep_jobs() -> dict:
    """Re-send stuck identification jobs, create missing ones, re-queue those that failed
    while the model was unavailable, fill the active gallery, fail training runs whose
    worker died (beat, default queue)."""
    report = services.identification_jobs_sweep()
    return {"resent": report.resent, "failed": report.failed, "created": report.created,
            "requeued": report.requeued, "gallery_missing": report.gallery_missing,
            "training_failed": services.training_runs_sweep(),
            "exports_resent": services.export_runs_resend()}


@shared_task(name="dois.tasks.train_model", bind=True)
def train_model(self, run_id: int) -> int | None:
    """Run a training run to a new (inactive) model version."""
    version = services.training_run_execute(run_id=run_id, worker=_hostname(self))
    return version.pk if version else None


@shared_task(name="dois.tasks.reembed_gallery", bind=True)
def reembed_gallery(self, model_version_id: int, actor_id: int | None = None) -> bool:
    """Embed the gallery under a version, then make it the active one (``actor_id``: who
    asked for it, recorded as ``activated_by``)."""
    return services.model_version_activation_finish(model_version_id=model_version_id,
                                                    actor_id=actor_id)


# --- the model leaderboard (dois.services.leaderboard) --------------------------------


@shared_task(name="dois.tasks.train_submission_evaluate", bind=True)
def train_submission_evaluate(self, submission_id: int) -> str | None:
    """Evaluate a leaderboard submission in the sandbox (``train`` queue)."""
    sub = services.submission_evaluate(submission_id=int(submission_id),
                                                   worker=_hostname(self))
    return sub.status if sub else None


@shared_task(name="dois.tasks.leaderboard_refresh")
def leaderboard_refresh() -> dict:
    """New split version, stale rows re-queued, the active model's row (``default``)."""
    return services.leaderboard_refresh()


# --- volunteers' digests and exports ----------------------------------------------------


@shared_task(name="dois.tasks.digests_send")
def digests_send() -> dict:
    """Today's digests of decisions to volunteers, at most one a day each (beat)."""
    report = services.decision_digests_send()
    return {"sent": report.sent, "failed": report.failed}


@shared_task(name="dois.tasks.export_run")
def export_run(run_id: int) -> str | None:
    """Write an export's file (default queue); safe to run twice."""
    run = services.export_run_execute(run_id=int(run_id))
    return run.status if run else None
