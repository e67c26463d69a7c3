"""The checks behind ``GET /healthz``. Each returns ``(ok, detail)`` and never raises."""

from __future__ import annotations

from importlib import import_module
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection
from django.utils import timezone

from common.text import without_paths
from hub.selectors import worker_list_recent


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, connection.vendor


def check_broker() -> tuple[bool, str]:
    from hub.celery import app

    url = app.conf.broker_url  # loading the configuration creates the filesystem folders
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_DIR / "queue"
        return (folder.is_dir(), "filesystem")
    parsed = urlparse(url)
    host, port = parsed.hostname or "localhost", parsed.port
    if port is None:
        port = {"redis": 6379, "rediss": 6380, "amqp": 5672, "amqps": 5671}.get(parsed.scheme)
    try:
        with app.connection_for_write(url) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return False, f"{parsed.scheme}://{host}:{port} unreachable ({type(exc).__name__})"
    return True, f"{parsed.scheme}://{host}:{port}"


def check_workers() -> tuple[bool, object]:
    """Each worker host seen in the last day: its queues, heartbeat age and whether it
    counts as alive (a heartbeat within ``CELERY_HEARTBEAT_STALE_S``). Healthy when every
    queue has a live worker."""
    stale_after = settings.CELERY_HEARTBEAT_STALE_S
    try:
        recent = list(worker_list_recent())
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    now = timezone.now()
    hosts = [{"name": w.hostname, "queues": list(w.queues),
              "heartbeat_age_s": round((now - w.last_seen).total_seconds(), 1),
              "alive": (now - w.last_seen).total_seconds() <= stale_after}
             for w in recent]
    served = {q for h in hosts if h["alive"] for q in h["queues"]}
    missing = sorted(set(settings.CELERY_QUEUES_EXPECTED) - served)
    if not any(h["alive"] for h in hosts):
        return False, {"error": f"no worker heartbeat in the last {stale_after} s",
                       "hosts": hosts}
    if missing:
        return False, {"error": f"no live worker for the queue(s) {', '.join(missing)}",
                       "hosts": hosts}
    return True, {"hosts": hosts}


def run_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for dotted in settings.HEALTH_CHECKS:
        module_name, _, func_name = dotted.rpartition(".")
        name = func_name.removeprefix("check_")
        try:
            ok, detail = getattr(import_module(module_name), func_name)()
        except Exception as exc:  # a broken check must not take /healthz down
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        if isinstance(detail, str):
            detail = without_paths(detail)  # /healthz is public: no server paths
        results[name] = {"ok": bool(ok), "detail": detail}
    return results


__all__ = ["check_broker", "check_database", "check_workers", "run_checks"]
