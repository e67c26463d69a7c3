"""Model files that every host can load (issue 18).

A model trained by a ``train`` worker, or promoted from the leaderboard, is written on
that host's disk. Hosts share nothing but PostgreSQL, Redis and the media store, so the
file and its companions (``.json`` sidecar, ``.tflite``) are published to the media
store (``default_storage``: S3 in production, private objects that no URL serves) under
an unguessable folder, and the version records ``storage:<name>``. A host that needs the
model fetches it once into ``DOIS_MODEL_DIR/cache/`` and loads it from there.

Shipped models (inside the project, ``file_path`` relative to it) and absolute paths an
operator set are local files as before.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

STORED = "storage:"
FOLDER = "dois/models"
# a model's companions, fetched with it; the named file itself is fetched last, so its
# presence in the cache means the whole set is there
COMPANIONS = (".json", ".tflite", ".keras")

__all__ = ["STORED", "model_file_is_stored", "model_file_local", "model_files_publish"]


def model_file_is_stored(*, value: str) -> bool:
    """Whether a version's ``file_path`` names a file in the media store."""
    return value.startswith(STORED)


def model_files_publish(*, path: Path) -> str:
    """Copy the model at ``path`` and its companions to the media store; returns the
    ``file_path`` value (``storage:dois/models/<random>/<file name>``).

    Raises ``OSError`` when the model file is missing; a storage error propagates (the
    caller's run fails with it and can be retried).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file missing: {path.name}")
    folder = f"{FOLDER}/{secrets.token_urlsafe(16)}"
    for suffix in COMPANIONS:
        companion = path.with_suffix(suffix)
        if companion != path and companion.is_file():
            _save(source=companion, name=f"{folder}/{companion.name}")
    _save(source=path, name=f"{folder}/{path.name}")
    return f"{STORED}{folder}/{path.name}"


def _save(*, source: Path, name: str) -> None:
    with source.open("rb") as fh:
        saved = default_storage.save(name, File(fh, name=source.name))
    if saved != name:  # a random folder is never taken; refuse to record a wrong name
        default_storage.delete(saved)
        raise OSError(f"the media store renamed {name} to {saved}")


def _cache_root() -> Path:
    return Path(settings.DOIS_MODEL_DIR) / "cache"


def model_file_local(*, value: str) -> Path:
    """The local copy of a stored model, fetched from the media store on first use.

    Returns the path even when the fetch failed (store unreachable, object gone): the
    caller then finds no file there and reports the model as missing, as for a local
    file; the next call tries again.
    """
    name = PurePosixPath(value[len(STORED):])
    if ".." in name.parts or name.is_absolute() or name.parts[:2] != tuple(FOLDER.split("/")):
        raise ValueError(f"not a stored model name: {value!r}")
    local = _cache_root().joinpath(*name.parts)
    if local.is_file():
        return local
    try:
        for suffix in COMPANIONS:
            companion = name.with_suffix(suffix)
            if companion != name and default_storage.exists(str(companion)):
                _fetch(name=str(companion), target=local.with_suffix(suffix))
        _fetch(name=str(name), target=local)
    except Exception as exc:  # noqa: BLE001 - any backend's failure (boto's are not OSError)
        logger.warning("model file %s could not be fetched from the media store: %s",
                       name, exc)
    return local


def _fetch(*, name: str, target: Path) -> None:
    """Download ``name`` to ``target`` atomically (a partial file is never seen)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
    try:
        with os.fdopen(handle, "wb") as out, default_storage.open(name, "rb") as src:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                out.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
