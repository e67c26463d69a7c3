"""A thin adapter between the job side and the ML library :mod:`dois.ml`.

Nothing here imports TensorFlow at module level: the web process checks model files
and the worker parent process (before the prefork fork) imports this module, and
neither may load TensorFlow. The embedder is loaded in the process that uses it, once,
and cached per process (keyed by the file's path, size and modification time).

What ``dois.ml`` did not offer when this was written, and is added here:

* ``model_file_check``: a cheap validity check of a ``.keras`` file (zip header and
  the entries Keras writes) without importing TensorFlow, cached per file version;
* ``model_metadata_read``: the sidecar metadata as a dict, without importing Keras;
* ``thread_count``: TensorFlow threads per worker process from the configured value or
  the cores shared by the worker's processes;
* ``image_prepare``: one photo to an input array, with every decoding problem turned
  into ``ImageUnusable`` so that one bad photo fails alone;
* the edge method (issue 13): ``edge_method_name`` (the method string of a segmenter
  file, without TensorFlow), ``edge_method_get`` (one warmed ``OutlineTracer`` and the
  edge encoder per process, after the fork) and ``crop_rgb`` (a photo's fin crop as the
  tracer takes it).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

__all__ = [
    "ImageUnusable",
    "ModelUnusable",
    "LoadedEdge",
    "crop_rgb",
    "edge_method_get",
    "edge_method_name",
    "embedder_get",
    "embedder_forget",
    "image_prepare",
    "model_file_check",
    "model_metadata_read",
    "thread_count",
]

_KERAS_ENTRIES = {"config.json", "metadata.json"}


class ImageUnusable(ValueError):
    """The photo cannot be used: not an image, corrupt, or an empty crop.

    ``code`` says which (``photo_unreadable``, ``photo_no_fin``, ``photo_missing``, the
    job's error codes); the message is for the log and may hold library details.
    """

    def __init__(self, message: str, *, code: str = "photo_unreadable") -> None:
        super().__init__(message)
        self.code = code


class ModelUnusable(RuntimeError):
    """The model file is missing, corrupt or not an embedder.

    Messages name the file, never its folder (they reach ``/healthz``); the full path
    is logged where the error is handled.
    """


def thread_count(*, configured: int, concurrency: int, cores: int | None = None) -> int:
    """Threads for TensorFlow in one worker process: the setting, else cores / processes."""
    if configured and configured > 0:
        return int(configured)
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, int(concurrency)))


# --- model files (no TensorFlow) -------------------------------------------------------

_check_cache: dict[tuple[str, int, int], tuple[bool, str]] = {}


def model_file_check(path: str | os.PathLike) -> tuple[bool, str]:
    """Whether ``path`` looks like a loadable ``.keras`` embedder; ``(ok, detail)``.

    Reads the zip directory only (no TensorFlow); the answer is cached per file
    version, so ``/healthz`` can call it on every request.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return False, f"model file missing: {path.name}"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _check_cache:
        return _check_cache[key]
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            broken = archive.testzip() if stat.st_size < 50 * 2**20 else None
    except (OSError, zipfile.BadZipFile):
        result = (False, f"model file corrupt: {path.name} is not a .keras archive")
    else:
        if not _KERAS_ENTRIES & names or not any(n.endswith(".h5") for n in names):
            result = (False, f"model file corrupt: {path.name} lacks the Keras entries")
        elif broken is not None:
            result = (False, f"model file corrupt: {path.name} has a damaged entry {broken}")
        else:
            result = (True, path.name)
    if len(_check_cache) > 64:
        _check_cache.clear()
    _check_cache[key] = result
    return result


def model_metadata_read(path: str | os.PathLike) -> dict[str, Any]:
    """The sidecar metadata (``<model>.json``) as a dict; defaults when there is none."""
    defaults = {"name": "fin-embedder", "version": "0", "input_size": 128,
                "embedding_dim": 128, "new_individual_threshold": 0.5,
                "calibration": {"w_score": -12.0, "w_margin": -8.0, "bias": 7.0},
                "metrics": {}}
    side = Path(path).with_suffix(".json")
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return defaults
    return {**defaults, **data} if isinstance(data, dict) else defaults


# --- the embedder, once per process ----------------------------------------------------

@dataclass
class LoadedModel:
    """A warmed embedder and what search needs from its metadata."""

    embedder: Any
    input_size: int
    embedding_dim: int
    calibration: dict[str, float]
    threshold: float
    backend: str


_models: dict[tuple[str, int, int, int], LoadedModel] = {}
_load_lock = threading.Lock()


def _cache_key(path: Path) -> tuple[str, int, int, int]:
    """A loaded model's key in this process: the file as it is now (a replaced file is a
    new key) and the process (a forked child loads its own). ``ModelUnusable`` when the
    file is missing."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ModelUnusable(f"model file missing: {path.name}") from exc
    return (str(path), stat.st_size, stat.st_mtime_ns, os.getpid())


def embedder_get(*, path: str | os.PathLike, threads: int) -> LoadedModel:
    """The warmed embedder of ``path`` in this process; loads it the first time.

    Raises ``ModelUnusable`` with a readable reason when the file is missing or broken
    (nothing is cached then, so a fixed file is picked up by the next call).
    """
    path = Path(path)
    key = _cache_key(path)
    loaded = _models.get(key)
    if loaded is not None:
        return loaded
    with _load_lock:
        loaded = _models.get(key)
        if loaded is not None:
            return loaded
        ok, detail = model_file_check(path)
        if not ok:
            raise ModelUnusable(detail)
        from dois.ml.model import Embedder, ModelLoadError

        try:
            embedder = Embedder(path, threads=threads)
            embedder.warm()
            size = embedder.input_size
            embedder.embed(np.zeros((1, size, size, 3), np.float32))  # compile / allocate
        except (ModelLoadError, OSError, ValueError) as exc:
            logger.warning("model %s cannot be loaded: %s", path, exc)
            raise ModelUnusable(f"model file corrupt: {path.name} cannot be loaded") from exc
        meta = embedder.metadata
        loaded = LoadedModel(embedder=embedder, input_size=size,
                             embedding_dim=embedder.embedding_dim,
                             calibration=dict(meta.calibration),
                             threshold=float(meta.new_individual_threshold),
                             backend=str(embedder.backend))
        for old in [k for k in _models if k[0] == key[0]]:
            del _models[old]
        _models[key] = loaded
        logger.info("loaded model %s (%s backend, %s threads) in process %s",
                    path.name, loaded.backend, threads, os.getpid())
        return loaded


def embedder_forget() -> None:
    """Drop every cached embedder and edge method of this process (tests, file replaced)."""
    _models.clear()
    _edges.clear()
    _check_cache.clear()


# --- the edge method (fin outline), once per process -----------------------------------

@dataclass
class LoadedEdge:
    """A warmed outline tracer and edge encoder, and what the search needs."""

    tracer: Any  # dois.ml.outline.OutlineTracer
    encoder: Any  # dois.ml.edge_encoder.EdgeEncoder, or None (the fixed descriptor)
    method: str  # "edge-1/outline-1+fin-segmenter-1": the version's name
    outline_method: str  # the tracer's part: "outline-1+fin-segmenter-1"
    calibration: dict[str, float]
    threshold: float
    backend: str


_edges: dict[tuple[str, int, int, int], LoadedEdge] = {}


def edge_method_name(path: str | os.PathLike) -> str:
    """The edge method string for the segmenter at ``path`` (reads its sidecar only; no
    TensorFlow), e.g. ``edge-1/outline-1+fin-segmenter-1``. Raises ``ModelUnusable``."""
    from dois.ml.edges import EDGE_METHOD_VERSION
    from dois.ml.outline import OutlineTracer
    from dois.ml.segment import SegmenterLoadError

    try:
        version = OutlineTracer(segmenter_path=Path(path)).version
    except (SegmenterLoadError, OSError, ValueError) as exc:
        raise ModelUnusable(f"segmenter missing: {Path(path).name}") from exc
    return f"{EDGE_METHOD_VERSION}/{version}"


def edge_method_get(*, path: str | os.PathLike, threads: int) -> LoadedEdge:
    """The warmed edge method of the segmenter ``path`` in this process (loaded once,
    after the fork; LiteRT, ``threads`` threads). Raises ``ModelUnusable``."""
    path = Path(path)
    key = _cache_key(path)
    loaded = _edges.get(key)
    if loaded is not None:
        return loaded
    with _load_lock:
        loaded = _edges.get(key)
        if loaded is not None:
            return loaded
        from dois.ml.edges import DEFAULT_CALIBRATION, EDGE_SETTINGS_PATH, default_encoder
        from dois.ml.outline import OutlineTracer
        from dois.ml.segment import SegmenterLoadError

        try:
            tracer = OutlineTracer(segmenter_path=path, threads=threads)
            tracer.segmenter.warm()
            encoder = default_encoder()
            # one small trace and one vector: the interpreters allocate their tensors now
            probe = np.full((64, 64, 3), 90, np.uint8)
            probe[20:, 24:40] = 30
            tracer(probe)
            if encoder is not None:
                encoder.encode(np.zeros((1, 64, 2), np.float32))
        except (SegmenterLoadError, OSError, ValueError, RuntimeError) as exc:
            logger.warning("edge method %s cannot be loaded: %s", path, exc)
            raise ModelUnusable(f"model file corrupt: {path.name} cannot be loaded") from exc
        try:
            threshold = float(json.loads(EDGE_SETTINGS_PATH.read_text(encoding="utf-8"))
                              .get("new_individual_threshold", 0.5))
        except (OSError, ValueError):
            threshold = 0.5
        from dois.ml.edges import EDGE_METHOD_VERSION

        loaded = LoadedEdge(tracer=tracer, encoder=encoder,
                            method=f"{EDGE_METHOD_VERSION}/{tracer.version}",
                            outline_method=tracer.version,
                            calibration=dict(DEFAULT_CALIBRATION), threshold=threshold,
                            backend=str(tracer.segmenter.backend))
        for old in [k for k in _edges if k[0] == key[0]]:
            del _edges[old]
        _edges[key] = loaded
        logger.info("loaded edge method %s (%s backend, %s threads) in process %s",
                    loaded.method, loaded.backend, threads, os.getpid())
        return loaded


def crop_rgb(*, data: bytes, box: tuple[int, int, int, int]) -> np.ndarray:
    """A photo's fin crop as an ``H x W x 3`` uint8 array for the outline tracer.

    Decoded at no less than the tracer's working size (512 px on the long side: a JPEG
    is decoded at a reduced scale only above that), so the tracer sees what it would
    see of the full crop. Every decoding problem is ``ImageUnusable``.
    """
    from common.images import ImageRejected, image_load
    from dois.ml.outline import WORK_SIDE

    left, top, right, bottom = box
    if right - left < 8 or bottom - top < 8:
        raise ImageUnusable(f"no fin in the crop: the box {box} is too small",
                            code="photo_no_fin")
    try:
        image = image_load(data, box=box, longest=WORK_SIDE)
    except ImageRejected as exc:
        raise ImageUnusable(f"not a readable image: {exc}") from exc
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's other decode failures
        raise ImageUnusable(f"not a readable image: {exc}") from exc
    if image.width < 8 or image.height < 8:
        raise ImageUnusable("no fin in the crop: it lies outside the image",
                            code="photo_no_fin")
    return np.asarray(image, np.uint8)


# --- images ---------------------------------------------------------------------------

def image_prepare(*, data: bytes, box: tuple[int, int, int, int] | None, size: int
                  ) -> np.ndarray:
    """One photo's fin crop as a ``size x size x 3`` float32 array for the embedder."""
    from dois.ml.preprocess import BoxError, ImageDecodeError, load_image

    try:
        return load_image(data, box=box, size=size)
    except BoxError as exc:
        raise ImageUnusable(f"no fin in the crop: {exc}", code="photo_no_fin") from exc
    except ImageDecodeError as exc:
        raise ImageUnusable(f"not a readable image: {exc}") from exc
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's other decode failures
        raise ImageUnusable(f"not a readable image: {exc}") from exc
