"""Worker process setup: thread sizing and loading the active model after the fork.

Celery's prefork pool forks its children from the parent worker process. TensorFlow
must never be loaded in the parent (its thread pools do not survive a fork and the
children hang), so the parent only records the pool size and sizes the thread pools
through the environment; each child then loads and warms the active model in a
background thread right after the fork (``worker_process_init``), so the first job
does not pay for it and the child still reports for duty within Celery's start-up
time limit. A solo or threads pool warms up once the worker is ready. Tasks load the
model lazily as well, so a failed warm-up only costs time.
"""

from __future__ import annotations

import logging
import os
import threading

from celery.signals import worker_init, worker_process_init, worker_ready
from django.conf import settings

from dois import inference

logger = logging.getLogger(__name__)

_pool = {"name": ""}


def worker_threads_configure(*, concurrency: int) -> int:
    """Size TensorFlow's pools for each of ``concurrency`` processes (env, before TF loads).

    Threads per process = ``TF_NUM_THREADS`` or cores // concurrency, so the processes
    together use the cores without oversubscribing them.
    """
    threads = inference.thread_count(configured=settings.TF_NUM_THREADS,
                                     concurrency=concurrency)
    os.environ["DOIS_POOL_SIZE"] = str(max(1, concurrency))
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = str(threads)
    return threads


def worker_model_warm() -> None:
    """Load and warm the active model version in this process; log, never raise."""
    from django.db import close_old_connections

    from dois.models import ModelVersion
    from dois.services.gallery import gallery_get
    from dois.services.model_versions import model_load

    try:
        close_old_connections()
        version = ModelVersion.objects.filter(is_active=True).first()
        if version is None:
            return
        model_load(model_version=version)
        gallery_get(model_version=version)
    except Exception:  # noqa: BLE001 - the task reports model problems on the job
        logger.warning("could not warm the identification model", exc_info=True)
    finally:
        close_old_connections()


def _warm_in_background() -> None:
    threading.Thread(target=worker_model_warm, name="dois-warm", daemon=True).start()


def _on_worker_init(sender=None, **_kwargs) -> None:
    concurrency = int(getattr(sender, "concurrency", None) or settings.CELERY_WORKER_CONCURRENCY)
    _pool["name"] = str(getattr(sender, "pool_cls", ""))
    threads = worker_threads_configure(concurrency=concurrency)
    logger.info("dois: %s worker processes x %s TensorFlow threads", concurrency, threads)


def _on_worker_process_init(**_kwargs) -> None:
    _warm_in_background()


def _on_worker_ready(**_kwargs) -> None:
    if "prefork" not in _pool["name"] and "processes" not in _pool["name"]:
        _warm_in_background()


def signals_connect() -> None:
    """Connect the worker's signals (from ``DoisConfig.ready``; twice is once)."""
    worker_init.connect(_on_worker_init, dispatch_uid="dois.worker_init")
    worker_process_init.connect(_on_worker_process_init,
                                dispatch_uid="dois.worker_process_init")
    worker_ready.connect(_on_worker_ready, dispatch_uid="dois.worker_ready")
