"""The Celery app: routes, and a real worker process that runs tasks and beats its heart."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.celery import app
from hub.models import WorkerHeartbeat
from tests.support import task_queue, wait_for


def test_tasks_are_routed_to_their_queues():
    assert task_queue("dois.tasks.identify_photo") == "identify"
    assert task_queue("dois.tasks.train_model") == "train"
    assert task_queue("hub.tasks.worker_heartbeats_prune") == "default"


def test_visibility_timeout_fits_the_job_timeout(settings):
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert timeout == 2 * settings.DOIS_JOB_TIMEOUT_S
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_beats_and_runs_a_task(start_worker, purge_queues):
    worker = start_worker(queues="default", name="hubtest")
    beat = wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=worker.name).first(),
                    timeout=30)
    assert beat.queues == ["default"]

    WorkerHeartbeat.objects.create(hostname="ghost@nowhere", queues=[],
                                   last_seen=timezone.now() - timedelta(days=3))
    app.send_task("hub.tasks.worker_heartbeats_prune")
    wait_for(lambda: not WorkerHeartbeat.objects.filter(hostname="ghost@nowhere").exists(),
             timeout=30)
    assert WorkerHeartbeat.objects.filter(hostname=worker.name).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_with_different_queues_and_host_names(start_worker, purge_queues):
    a = start_worker(queues="identify", name="gpu-less")
    b = start_worker(queues="train", name="trainer")
    replies = app.control.inspect(destination=[a.name, b.name], timeout=2).active_queues()
    assert {q["name"] for q in replies[a.name]} == {"identify"}
    assert {q["name"] for q in replies[b.name]} == {"train"}


@pytest.mark.django_db(transaction=True)
def test_workers_keep_healthy_database_connections_between_tasks_and_drop_stale_ones():
    """Celery's Django fixup would close the connection around every task; we only close
    broken or expired ones (CONN_MAX_AGE), as Django does around requests."""
    import time

    from celery.signals import task_postrun, task_prerun
    from django.db import connection

    from hub.tasks import worker_heartbeats_prune as task

    assert app.conf.get("CELERY_DB_REUSE_MAX")  # read by Celery's Django fixup
    connection.ensure_connection()
    raw = connection.connection
    connection.close_at = time.monotonic() + 60
    task_prerun.send(sender=task, task_id="t1", task=task, args=(), kwargs={})
    task_postrun.send(sender=task, task_id="t1", task=task, args=(), kwargs={})
    assert connection.connection is raw  # kept: one connection for many tasks

    connection.close_at = time.monotonic() - 1  # outlived CONN_MAX_AGE
    task_prerun.send(sender=task, task_id="t2", task=task, args=(), kwargs={})
    assert connection.connection is None
