"""Fixtures shared by the whole suite: a real Celery worker process, a real browser."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# support modules whose fixtures any folder may use (the worker-side DoIs fixtures)
pytest_plugins = ["tests.dois.jobs_support"]


# --- people: one meaning per name across the suite ----------------------------------


@pytest.fixture
def volunteer(db):
    """A member as sign-up makes one: the volunteer role."""
    from tests.hub.factories import UserFactory

    return UserFactory(username="volunteer1", roles=["volunteer"])


@pytest.fixture
def researcher(db):
    """A researcher of the reserve (the researcher role only)."""
    from tests.hub.factories import UserFactory

    return UserFactory(username="researcher1", roles=["researcher"])


@pytest.fixture
def organiser(db):
    """A meetup organiser: the organiser role and the volunteer role every member has."""
    from tests.events.factories import OrganiserFactory

    return OrganiserFactory(username="org")


@pytest.fixture
def organiser_only(db):
    """An account holding the organiser role and nothing else (for DoIs refusals)."""
    from tests.hub.factories import UserFactory

    return UserFactory(username="organiser1", roles=["organiser"])


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Each test's own media folder and model folder (never the checkout's var/)."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.DOIS_MODEL_DIR = tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def _english():
    """Requests leave their language active in the thread: start each test in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate-limit counters never leak between tests."""
    from django.core.cache import cache

    cache.clear()


class WorkerProcess:
    """A ``celery worker`` started as a separate process against the test database."""

    def __init__(self, *, queues: str, env: dict[str, str], name: str, log: Path,
                 concurrency: int = 1, pool: str = "prefork", cwd: Path = ROOT) -> None:
        self.name = f"{name}@{os.uname().nodename}"
        self.log = log
        self.env = env
        self.args = [
            sys.executable, "-m", "celery", "-A", "hub", "worker", "-Q", queues,
            "-n", self.name, "-c", str(concurrency), "--pool", pool, "--loglevel", "INFO",
            "--without-gossip", "--without-mingle",
        ]
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None

    def start(self, *, timeout: float = 90) -> WorkerProcess:
        from hub.celery import app

        self._fh = self.log.open("ab")
        self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=self.env, stdout=self._fh,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            if app.control.ping(destination=[self.name], timeout=0.5):
                return self
        raise RuntimeError(f"worker did not answer in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def kill(self, sig: int = 9) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)
        if getattr(self, "_fh", None):
            self._fh.close()


@pytest.fixture
def worker_env(django_db_setup, django_db_blocker, settings, tmp_path) -> dict[str, str]:
    """The environment for a worker process that sees this test's database and media."""
    from django.db import connection

    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgres://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}"
    if connection.vendor != "postgresql":
        pytest.fail("worker tests need PostgreSQL: run them with `make test`")
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DOIS_MODEL_DIR": str(settings.DOIS_MODEL_DIR),
        "DOIS_MODEL_PATH": str(settings.DOIS_MODEL_PATH),
        "DOIS_JOB_TIMEOUT_S": str(settings.DOIS_JOB_TIMEOUT_S),
        "PYTHONUNBUFFERED": "1",
    })
    return env


@pytest.fixture
def start_worker(worker_env, tmp_path) -> Iterator:
    """Start real worker processes: ``start_worker(queues="identify")``; all stop at teardown."""
    started: list[WorkerProcess] = []

    def _start(*, queues: str = "default,identify,train", concurrency: int = 1,
               env: dict[str, str] | None = None, name: str | None = None,
               cwd: Path = ROOT) -> WorkerProcess:
        worker = WorkerProcess(
            queues=queues, env={**worker_env, **(env or {})},
            name=name or f"test-{uuid.uuid4().hex[:8]}",
            log=tmp_path / f"worker-{len(started)}.log", concurrency=concurrency, cwd=cwd,
        )
        started.append(worker)
        return worker.start()

    yield _start
    for worker in started:
        worker.stop()


@pytest.fixture
def s3_bucket(settings):
    """A fresh private bucket on the S3 emulator as the default storage, with the
    production options: ``(boto3 client, bucket name)``."""
    from tests.support import s3_client, s3_storage_options

    bucket = f"hub-{uuid.uuid4().hex[:12]}"
    client = s3_client()
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_storage_options(bucket)}}
    settings.MEDIA_SIGNED_URL_TTL_S = 300
    return client, bucket


@pytest.fixture
def purge_queues():
    """Empty the test broker's queues before a worker test."""
    from hub.celery import app

    with app.connection_for_write() as conn:
        for queue in ("default", "identify", "train"):
            # a queue that does not exist yet is empty
            with contextlib.suppress(Exception):
                conn.default_channel.queue_purge(queue)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser() -> Iterator:
    """Headless Debian Chromium driven by Selenium (chromium-driver)."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("browser tests need chromium and chromium-driver: "
                    "apt-get install chromium chromium-driver (make test does it as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=en"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()
