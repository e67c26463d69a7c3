"""The checks behind ``GET /healthz``. Each returns ``(ok, detail)`` and never raises."""

from __future__ import annotations

from importlib import import_module
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection

from hub.selectors import worker_list_alive


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
        return (folder.is_dir(), f"filesystem {folder}")
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


def check_workers() -> tuple[bool, str]:
    try:
        alive = list(worker_list_alive(stale_after_s=settings.CELERY_HEARTBEAT_STALE_S))
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    if not alive:
        return False, "no worker heartbeat in the last " \
            f"{settings.CELERY_HEARTBEAT_STALE_S} s"
    return True, ", ".join(f"{w.hostname} [{','.join(w.queues)}]" for w in alive)


def run_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for dotted in settings.HEALTH_CHECKS:
        module_name, _, func_name = dotted.rpartition(".")
        name = func_name.removeprefix("check_")
        try:
            ok, detail = getattr(import_module(module_name), func_name)()
        except Exception as exc:  # a broken check must not take /healthz down
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results[name] = {"ok": bool(ok), "detail": detail}
    return results


__all__ = ["check_broker", "check_database", "check_workers", "run_checks"]
