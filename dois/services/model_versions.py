"""Model versions: their files, the shipped versions and loading a version's method.

Version one of a fresh install is created lazily by
:func:`dois.services.jobs.identification_job_create` through
:func:`model_version_ensure_shipped` when no version is active: the method the site serves
(``settings.DOIS_METHOD``, default ``edge``: the fin's outline, issue 13, with the
segmenter ``DOIS_SEGMENTER_PATH``), and the shipped appearance model (``DOIS_MODEL_PATH``)
beside it, inactive but selectable. A fresh install needs no data migration and a test
that points these elsewhere gets its own version. The demo loader and the sweep may call
it too; it is idempotent. Activating a version is :mod:`dois.services.training`.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dois import inference
from dois.model_files import model_file_is_stored, model_file_local
from dois.models import ModelVersion

logger = logging.getLogger(__name__)


# --- model versions -------------------------------------------------------------------


def model_version_path(*, model_version: ModelVersion) -> Path:
    """The model file of a version on this host: a model in the media store
    (``storage:...``, trained or promoted on another host) is fetched once into
    ``DOIS_MODEL_DIR/cache`` (:mod:`dois.model_files`); relative paths are relative to
    the project (the shipped models)."""
    if model_file_is_stored(value=model_version.file_path):
        return model_file_local(value=model_version.file_path)
    path = Path(model_version.file_path)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def model_version_file_value(*, path: Path) -> str:
    """How a model path is stored: relative to the project when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def served_method() -> str:
    """The identification method a fresh install serves (``DOIS_METHOD``, default edge)."""
    method = str(settings.DOIS_METHOD or ModelVersion.Kind.EDGE)
    return method if method in ModelVersion.Kind.values else ModelVersion.Kind.EDGE


def segmenter_path() -> Path:
    """The edge method's segmenter file (``DOIS_SEGMENTER_PATH``, default the shipped one)."""
    configured = settings.DOIS_SEGMENTER_PATH
    if configured:
        return Path(configured)
    from dois.ml.segment import DEFAULT_SEGMENTER_PATH

    return DEFAULT_SEGMENTER_PATH


def shipped_model_path(*, kind: str) -> Path:
    """The shipped file of a method: the segmenter (edge) or the embedder (appearance)."""
    return segmenter_path() if kind == ModelVersion.Kind.EDGE else Path(settings.DOIS_MODEL_PATH)


def _appearance_version_get_or_create(*, path: Path) -> ModelVersion | None:
    if not path.is_file():
        return None
    meta = inference.model_metadata_read(path)
    name = f"{meta['name']}-{meta['version']}" if meta.get("version") else str(meta["name"])
    version = ModelVersion.objects.filter(file_path=model_version_file_value(path=path),
                                          kind=ModelVersion.Kind.APPEARANCE).first()
    if version is not None:
        return version
    try:
        with transaction.atomic():
            return ModelVersion.objects.create(
                name=name, kind=ModelVersion.Kind.APPEARANCE,
                file_path=model_version_file_value(path=path),
                embedding_dim=int(meta["embedding_dim"]), input_size=int(meta["input_size"]),
                threshold=float(meta["new_individual_threshold"]),
                metrics=meta.get("metrics") or {},
                notes=_("The shipped model (version one of a fresh install)."))
    except IntegrityError:  # created concurrently (or the name is taken)
        return ModelVersion.objects.filter(file_path=model_version_file_value(path=path)).first()


def _edge_version_get_or_create(*, path: Path) -> ModelVersion | None:
    if not (path.is_file() or path.with_suffix(".tflite").is_file()):
        return None
    try:
        name = inference.edge_method_name(path)
    except inference.ModelUnusable:
        return None
    version = ModelVersion.objects.filter(name=name).first()
    if version is not None:
        return version
    from dois.ml.edge_encoder import DEFAULT_ENCODER_PATH, DIM
    from dois.ml.edges import EDGE_SETTINGS_PATH

    meta = inference.model_metadata_read(path)
    try:
        settings_ = json.loads(EDGE_SETTINGS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        settings_ = {}
    dim = DIM if DEFAULT_ENCODER_PATH.with_suffix(".tflite").is_file() else 96
    try:
        with transaction.atomic():
            return ModelVersion.objects.create(
                name=name, kind=ModelVersion.Kind.EDGE,
                file_path=model_version_file_value(path=path), embedding_dim=dim,
                input_size=int(meta.get("input_size") or 128),
                threshold=float(settings_.get("new_individual_threshold", 0.5)),
                metrics={"segmenter": meta.get("metrics") or {},
                         "new_individual": settings_.get("calibration_fitted") or {}},
                notes=_("The fin outline method shipped with DoIs: the trailing edge of the "
                        "dorsal fin, traced and compared after alignment."))
    except IntegrityError:
        return ModelVersion.objects.filter(name=name).first()


def model_versions_register_shipped() -> list[ModelVersion]:
    """The shipped methods' versions (edge and appearance), created where their files
    are and no version exists yet; none is activated here. Idempotent."""
    found = [_edge_version_get_or_create(path=segmenter_path()),
             _appearance_version_get_or_create(path=Path(settings.DOIS_MODEL_PATH))]
    return [v for v in found if v is not None]


def model_version_ensure_shipped() -> ModelVersion | None:
    """The active version; creates and activates the served method's shipped version
    when none is active (the other shipped one is registered beside it, inactive).

    Returns None (and logs) when no version is active and the served method's file is
    absent: the photo is then saved without a job. Safe under concurrency: at most one
    version may be active (a database constraint), so a racing second call reads the
    first one's row.
    """
    active = ModelVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    kind = served_method()
    path = shipped_model_path(kind=kind)
    if kind == ModelVersion.Kind.EDGE:
        version = _edge_version_get_or_create(path=path)
        if version is not None:
            _appearance_version_get_or_create(path=Path(settings.DOIS_MODEL_PATH))
    else:
        version = _appearance_version_get_or_create(path=path)
    if version is None:
        logger.warning("no active model version and no shipped %s model at %s", kind, path)
        return None
    try:
        with transaction.atomic():
            if not ModelVersion.objects.filter(is_active=True).exists():
                ModelVersion.objects.filter(pk=version.pk).update(
                    is_active=True, state=ModelVersion.State.READY,
                    activated_at=timezone.now())
    except IntegrityError:  # activated concurrently
        pass
    return ModelVersion.objects.filter(is_active=True).first() or version


def worker_threads() -> int:
    """TensorFlow threads for this process: ``TF_NUM_THREADS`` or cores / pool size."""
    concurrency = int(os.environ.get("DOIS_POOL_SIZE") or settings.CELERY_WORKER_CONCURRENCY)
    return inference.thread_count(configured=settings.TF_NUM_THREADS, concurrency=concurrency)


def model_load(*, model_version: ModelVersion
               ) -> inference.LoadedModel | inference.LoadedEdge:
    """The warmed method of a version in this process, loaded after the fork: the
    embedder (appearance) or the outline tracer and edge encoder (edge). Raises
    ``ModelUnusable``."""
    path = model_version_path(model_version=model_version)
    if model_version.kind == ModelVersion.Kind.EDGE:
        return inference.edge_method_get(path=path, threads=worker_threads())
    return inference.embedder_get(path=path, threads=worker_threads())


def model_version_available(*, model_version: ModelVersion) -> bool:
    """Whether the version's model file is there and a sound ``.keras`` archive, and the
    version is not marked failed (no TensorFlow: the sweep runs on the default queue)."""
    if model_version.state == ModelVersion.State.FAILED:
        return False
    ok, _detail = inference.model_file_check(model_version_path(model_version=model_version))
    return ok
