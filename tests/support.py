"""Helpers shared by the tests that talk to the real broker and workers."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

# --- the S3 emulator (moto's server, started by scripts/with_services.py) --------------

S3_KEY, S3_SECRET = "testing-key", "testing-secret"


def s3_endpoint() -> str:
    """The emulator's address, or a failure saying how to run these tests."""
    import os

    import pytest

    url = os.environ.get("TEST_S3_ENDPOINT_URL")
    if not url:
        pytest.fail("the S3 tests need TEST_S3_ENDPOINT_URL: run them with `make test` "
                    "(scripts/with_services.py starts the emulator)")
    return url


def s3_storage_options(bucket: str) -> dict:
    """The production options of hub/settings.py, with a test's bucket and keys."""
    return {"bucket_name": bucket, "endpoint_url": s3_endpoint(), "region_name": "us-east-1",
            "access_key": S3_KEY, "secret_key": S3_SECRET, "default_acl": "private",
            "querystring_auth": True, "querystring_expire": 300,
            "signature_version": "s3v4", "file_overwrite": False}


def s3_client():
    import boto3

    return boto3.client("s3", endpoint_url=s3_endpoint(), region_name="us-east-1",
                        aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET)


def task_queue(name: str) -> str:
    """The queue the Celery app routes a task name to."""
    from hub.celery import app

    return app.amqp.router.route({}, name)["queue"].name


def wait_for(predicate: Callable, *, timeout: float = 45, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy (a bounded wait, not a timing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not met within {timeout}s")


@contextlib.contextmanager
def broker_dead(monkeypatch) -> Iterator[None]:
    """Point the Celery app at a closed port (env var and conf; fresh connection pools)."""
    from hub.celery import app

    old = app.conf.broker_url
    dead = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    monkeypatch.setenv("CELERY_BROKER_URL", dead)  # Celery reads this variable first
    app.conf.broker_url = dead
    _reset_pools(app)
    try:
        yield
    finally:
        monkeypatch.setenv("CELERY_BROKER_URL", old)
        app.conf.broker_url = old
        _reset_pools(app)


def _reset_pools(app) -> None:
    """Forget the app's pools, so the next send connects to the current broker URL."""
    app._pool = None
    with contextlib.suppress(Exception):
        app.amqp._producer_pool = None
