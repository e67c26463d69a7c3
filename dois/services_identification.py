"""Creating identification jobs for new photos (the job side owns the rest).

Kept apart from :mod:`dois.services` so the job engineer can grow it without conflicts.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from dois.models import IdentificationJob, ModelVersion, Photo

logger = logging.getLogger(__name__)

IDENTIFY_TASK = "dois.tasks.identify_photo"


def identification_job_send(*, job_id: int) -> bool:
    """Hand a job to the broker; a broker error is logged, the job stays queued."""
    try:
        current_app.send_task(IDENTIFY_TASK, args=[job_id], queue="identify")
    except Exception:  # noqa: BLE001 - any broker failure: the periodic sweep re-sends
        logger.warning("could not send identification job %s; it stays queued", job_id,
                       exc_info=True)
        return False
    IdentificationJob.objects.filter(pk=job_id).update(sent_at=timezone.now())
    return True


def identification_job_create(*, photo: Photo) -> IdentificationJob | None:
    """Queue the photo for the active model version, if any; sent after commit."""
    model_version = ModelVersion.objects.filter(is_active=True).first()
    if model_version is None:
        return None
    job, _created = IdentificationJob.objects.get_or_create(
        photo=photo, model_version=model_version,
        defaults={"status": IdentificationJob.Status.QUEUED},
    )
    transaction.on_commit(lambda: identification_job_send(job_id=job.pk))
    return job
