"""Fixtures and helpers of the job-side tests (imported by tests/dois/conftest.py)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TINY = {"input_size": 64, "embedding_dim": 32, "width": 0.25}


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory) -> Path:
    """A tiny untrained embedder (``.keras`` + sidecar + TFLite), built once per session."""
    folder = tmp_path_factory.mktemp("dois-tiny-model")
    path = folder / "tiny.keras"
    if not (path.is_file() and path.with_suffix(".json").is_file()):
        from dois.ml.model import ModelMetadata, build_embedder, save_model

        model = build_embedder(seed=7, **TINY)
        save_model(model, path, metadata=ModelMetadata(name="tiny", version="t1"))
    return path


@pytest.fixture
def model_version(db, settings, tiny_model_path):
    """The tiny model as the active version (as a fresh install would create it)."""
    from dois import inference
    from dois.services_identification import gallery_forget, model_version_ensure_shipped

    settings.DOIS_MODEL_PATH = str(tiny_model_path)
    inference.embedder_forget()
    gallery_forget()
    return model_version_ensure_shipped()


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


def gallery_make(*, individuals: int = 3, per_individual: int = 2, model_version=None):
    """Individuals with confirmed reference photos, embedded under ``model_version``."""
    from dois.models import Photo
    from dois.services_identification import embeddings_compute
    from tests.dois.factories import IndividualFactory, PhotoFactory

    inds, photos = [], []
    for _ in range(individuals):
        ind = IndividualFactory()
        inds.append(ind)
        photos += [PhotoFactory(individual=ind, state=Photo.State.CONFIRMED)
                   for _ in range(per_individual)]
    if model_version is not None:
        embeddings_compute(model_version_id=model_version.pk, photo_ids=[p.pk for p in photos])
    return inds, photos
