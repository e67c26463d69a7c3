"""The Celery app: queues ``default``, ``identify`` and ``train``, routes, and heartbeats.

Configuration lives in :mod:`hub.celeryconfig`, read lazily so that importing the
``hub`` package does not load Django settings.
"""

from __future__ import annotations

import logging
import os

from celery import Celery, bootsteps
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

logger = logging.getLogger(__name__)

app = Celery("hub")
app.config_from_object("hub.celeryconfig")
app.autodiscover_tasks(["hub", "events", "dois"])


@task_prerun.connect
@task_postrun.connect
def _database_connections_tidy(task=None, **_kwargs) -> None:
    """Close connections that broke or outlived ``CONN_MAX_AGE``; keep the others.

    Not for eager (in-process) calls: those run inside the caller's transaction.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


class HeartbeatStep(bootsteps.StartStopStep):
    """Writes a row per worker every few seconds, so ``/healthz`` can see live workers.

    Celery's own heartbeats travel as broadcast events, which not every transport
    carries (the filesystem broker does not); the database works for all of them.
    """

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self._tref = None

    def start(self, worker) -> None:
        from django.conf import settings

        self._beat(worker)
        self._tref = worker.timer.call_repeatedly(
            settings.CELERY_HEARTBEAT_INTERVAL_S, self._beat, (worker,), priority=10
        )

    def stop(self, worker) -> None:
        if self._tref is not None:
            self._tref.cancel()
            self._tref = None
        try:
            from hub.services import worker_heartbeat_clear

            worker_heartbeat_clear(hostname=worker.hostname)
        except Exception:  # the database may already be gone at shutdown
            logger.warning("could not clear the heartbeat of %s", worker.hostname)

    @staticmethod
    def _beat(worker) -> None:
        try:
            from django.db import close_old_connections

            from hub.services import worker_heartbeat_record

            close_old_connections()
            queues = sorted(q.name for q in worker.app.amqp.queues.consume_from.values())
            worker_heartbeat_record(hostname=worker.hostname, queues=queues, pid=os.getpid())
        except Exception:
            logger.exception("worker heartbeat failed")


app.steps["worker"].add(HeartbeatStep)
