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
    """The tiny appearance model as the active version (as a fresh install serving
    ``DOIS_METHOD="appearance"`` would create it)."""
    from dois import inference
    from dois.services import gallery_forget, model_version_ensure_shipped

    settings.DOIS_METHOD = "appearance"
    settings.DOIS_MODEL_PATH = str(tiny_model_path)
    inference.embedder_forget()
    gallery_forget()
    return model_version_ensure_shipped()


@pytest.fixture
def edge_version(db, settings, tiny_model_path):
    """The shipped edge method (fin outline) as the active version, as a fresh install
    creates it (the appearance model, here the tiny one, registered beside it)."""
    from dois import inference
    from dois.services import gallery_forget, model_version_ensure_shipped

    settings.DOIS_METHOD = "edge"
    settings.DOIS_SEGMENTER_PATH = ""
    settings.DOIS_MODEL_PATH = str(tiny_model_path)
    inference.embedder_forget()
    gallery_forget()
    version = model_version_ensure_shipped()
    assert version is not None and version.kind == "edge"
    return version


def job_create(photo=None):
    """An identification job for ``photo`` (a new one by default), sent after commit."""
    from django.db import transaction

    from dois import services
    from tests.dois.factories import PhotoFactory

    with transaction.atomic():
        return services.identification_job_create(photo=photo or PhotoFactory())


def gallery_make(*, individuals: int = 3, per_individual: int = 2, model_version=None):
    """Individuals with confirmed reference photos, embedded under ``model_version``."""
    from dois.models import Photo
    from dois.services import embeddings_compute
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


def fin_photo(*, individual=None, individual_seed: int = 0, photo_seed: int = 0, **fields):
    """A photo of a calm synthetic fin (the demo's renderer: its outline is readable),
    with its crop box set; confirmed as ``individual`` when one is given."""
    from dois.demo import fin_image, fin_upload
    from dois.models import Photo
    from tests.dois.factories import PhotoFactory

    image = fin_image(individual_seed=individual_seed, photo_seed=photo_seed)
    upload, (x, y, w, h) = fin_upload(image, f"fin-{individual_seed}-{photo_seed}.jpg")
    if individual is not None:
        fields = {"individual": individual, "state": Photo.State.CONFIRMED, **fields}
    return PhotoFactory(original=upload, width=image.width + 96, height=image.height + 48,
                        crop_x=x, crop_y=y, crop_w=w, crop_h=h, **fields)


def fin_gallery_make(*, individuals: int = 3, per_individual: int = 2, model_version=None):
    """Individuals (fin shapes 0, 1, ...) with confirmed fin photos (photo seeds 0, 1, ...),
    processed under ``model_version``."""
    from dois.services import embeddings_compute
    from tests.dois.factories import IndividualFactory

    inds, photos = [], []
    for i in range(individuals):
        ind = IndividualFactory()
        inds.append(ind)
        photos += [fin_photo(individual=ind, individual_seed=i, photo_seed=p)
                   for p in range(per_individual)]
    if model_version is not None:
        embeddings_compute(model_version_id=model_version.pk, photo_ids=[p.pk for p in photos])
    return inds, photos


_TRACED: dict = {}


def traced_fin(*, individual_seed: int = 0, photo_seed: int = 0) -> dict:
    """The shipped method's outline (``to_dict``), canonical edge and vector (float32
    bytes) of a calm synthetic fin crop, traced once per test session."""
    key = (individual_seed, photo_seed)
    if key not in _TRACED:
        import numpy as np

        from dois.demo import fin_image
        from dois.ml.edges import describe_fin

        fin = describe_fin(np.asarray(fin_image(individual_seed=individual_seed,
                                                photo_seed=photo_seed), np.uint8))
        assert fin.edge is not None, key
        _TRACED[key] = {"outline": fin.outline.to_dict(),
                        "edge": np.asarray(fin.stored, np.float32).tobytes(),
                        "vector": np.asarray(fin.vector, np.float32).tobytes(),
                        "size": fin.outline.image_size}
    return _TRACED[key]


def _outline(photo, seeds=(0, 0)):
    from dois.models import Outline

    fin = traced_fin(individual_seed=seeds[0], photo_seed=seeds[1])
    return Outline.objects.create(
        photo=photo, crop_x=photo.crop_x, crop_y=photo.crop_y, crop_w=photo.crop_w,
        crop_h=photo.crop_h, data=fin["outline"], made_by="machine",
        method="outline-1+fin-segmenter-1", confidence=0.9, ok=True, reason="ok")


def edge_job_make(version, researcher, *, candidates: int = 1, uploaded_by=None,
             reason: str = ""):
    """A photo identified by the edge method against ``candidates`` individuals, each with
    a reference photo whose edge is stored (no tracing: outlines of the session cache)."""
    import numpy as np
    from django.utils import timezone

    from dois import services
    from dois.models import Embedding, IdentificationJob
    from dois.services import identification_job_result_store
    from tests.dois.factories import IndividualFactory

    cands = []
    for i in range(candidates):
        ind = IndividualFactory()
        ref = fin_photo(individual_seed=i % 2, photo_seed=i)
        services.decision_record(photo=ref, action="confirm", individual=ind,
                                 actor=researcher)
        fin = traced_fin(individual_seed=i % 2, photo_seed=0)
        Embedding.objects.create(photo=ref, model_version=version, vector=fin["vector"],
                                 edge=fin["edge"], outline=_outline(ref, (i % 2, 0)))
        cands.append((ind.pk, 0.8 - 0.1 * i, ref.pk))
    photo = fin_photo(individual_seed=0, photo_seed=3, uploaded_by=uploaded_by)
    outline = _outline(photo, (0, 3))  # the outline of this very photo
    job = IdentificationJob.objects.create(photo=photo, model_version=version,
                                           sent_at=timezone.now(), revision=photo.revision)
    fin = traced_fin(individual_seed=0, photo_seed=3)
    identification_job_result_store(
        job_id=job.pk, vector=None if reason else np.frombuffer(fin["vector"], np.float32),
        edge=None if reason else np.frombuffer(fin["edge"], np.float32),
        candidates=[] if reason else cands, new_individual_probability=None if reason else 0.1,
        timings={}, outline_id=outline.pk, outline_reason=reason)
    job.refresh_from_db()
    return job
