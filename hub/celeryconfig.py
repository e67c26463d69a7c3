"""Celery configuration, built from Django settings (which read the environment)."""

from __future__ import annotations

from celery.schedules import crontab, schedule
from django.conf import settings
from kombu import Exchange, Queue

broker_url = settings.CELERY_BROKER_URL
result_backend = settings.CELERY_RESULT_BACKEND
task_ignore_result = settings.CELERY_RESULT_BACKEND is None

_timeout = settings.DOIS_JOB_TIMEOUT_S
broker_transport_options: dict = {
    # an unacknowledged message comes back after this (Redis's default is an hour)
    "visibility_timeout": _timeout * 2,
}
broker_transport = None  # from the URL's scheme
if broker_url.startswith("filesystem://"):
    broker_transport = "hub.broker_fs:Transport"  # message files that appear whole
    _folder = settings.CELERY_BROKER_DIR
    for _sub in ("queue", "processed", "control"):
        (_folder / _sub).mkdir(parents=True, exist_ok=True)
    broker_transport_options.update(
        {
            "data_folder_in": str(_folder / "queue"),
            "data_folder_out": str(_folder / "queue"),
            "processed_folder": str(_folder / "processed"),
            # exchange tables; kombu's default is "control" in the working directory
            "control_folder": str(_folder / "control"),
            "store_processed": False,
            "polling_interval": settings.CELERY_POLL_INTERVAL,
        }
    )
elif broker_url.startswith(("redis://", "rediss://")):
    broker_transport_options["polling_interval"] = settings.CELERY_POLL_INTERVAL

broker_connection_retry_on_startup = True
broker_connection_timeout = 3
# Sending must not hang a web request when the broker is down: the job row is saved
# anyway and the beat sweep re-sends it later.
task_publish_retry_policy = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}

task_default_queue = "default"
task_queues = (
    Queue("default", Exchange("default"), routing_key="default"),
    Queue("identify", Exchange("identify"), routing_key="identify"),
    Queue("train", Exchange("train"), routing_key="train"),
)
task_routes = {
    "dois.tasks.identify_*": {"queue": "identify", "routing_key": "identify"},
    "dois.tasks.train_*": {"queue": "train", "routing_key": "train"},
    "dois.tasks.reembed_*": {"queue": "train", "routing_key": "train"},
}
# Identification tasks set acks_late and reject_on_worker_lost on themselves (a killed
# worker's job comes back); training tasks ack early and keep their state in the database.
task_acks_late = False
worker_prefetch_multiplier = 1
worker_concurrency = settings.CELERY_WORKER_CONCURRENCY
worker_hijack_root_logger = False
# Celery's Django fixup closes the database connections before and after every task
# unless this is set: a new PostgreSQL connection per task cost more than a batch's
# queries. It now recycles them every this many tasks, and hub.celery closes broken or
# expired ones (CONN_MAX_AGE) around each task, as Django does around each request.
CELERY_DB_REUSE_MAX = 500
worker_send_task_events = False
task_serializer = "json"
accept_content = ["json"]
timezone = settings.TIME_ZONE
enable_utc = True

beat_schedule = {
    "hub-prune-heartbeats": {
        "task": "hub.tasks.worker_heartbeats_prune",
        "schedule": schedule(run_every=300),
    },
    # day-before reminders of meetups, once per member and event (events.services.mail)
    "events-reminders": {
        "task": "events.tasks.reminders_queue",
        "schedule": schedule(run_every=900),
    },
    # mails whose task never reached the broker (it was down when they were queued)
    "events-mails-resend": {
        "task": "events.tasks.mails_resend_unsent",
        "schedule": schedule(run_every=600),
    },
    # re-evaluates leaderboard rows of an older evaluation split, re-queues lost ones
    "dois-leaderboard-refresh": {
        "task": "dois.tasks.leaderboard_refresh",
        "schedule": schedule(run_every=600),
    },
    # each volunteer's digest of the day's decisions on their photos, at most one a day
    # (dois.services.digests; safe to run again: a second run sends nothing new)
    "dois-digests": {
        "task": "dois.tasks.digests_send",
        "schedule": crontab(hour=18, minute=0),
    },
    # re-sends identification jobs stuck in queued/running (dois.services.sweeps)
    "dois-sweep-jobs": {
        "task": "dois.tasks.sweep_jobs",
        "schedule": schedule(run_every=max(5, min(60, _timeout // 2))),
    },
}
beat_schedule_filename = str(settings.VAR_DIR / "celerybeat-schedule")
