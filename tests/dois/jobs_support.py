"""Fixtures and helpers of the job-side tests (imported by tests/dois/conftest.py)."""

from __future__ import annotations

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
