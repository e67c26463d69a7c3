"""DoIs machine learning: fin photos to embeddings to ranked individuals.

Pure TensorFlow/NumPy (no Django). Importing this package is cheap: TensorFlow is
only imported when a model-related name (``Embedder``, ``load_embedder``, ``train``,
...) is first used, so a Celery prefork parent can import it safely.

Typical use::

    from dois import ml
    emb = ml.Embedder(ml.DEFAULT_MODEL_PATH)          # lazy; loads on first embed
    x = ml.load_image("photo.jpg", box=(l, t, r, b), size=emb.input_size)
    v = emb.embed(x[None])                              # 1 x 128 unit vector
    gal = ml.Gallery(vectors, labels)
    cands = gal.search(v, k=5)[0]                       # [Candidate(label, score, photo_index)]
    p_new = ml.new_individual_probability(cands, calibration=emb.metadata.calibration)
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from .gallery import (
    Candidate,
    Gallery,
    fit_calibration,
    new_individual_probability,
    top_features,
)
from .preprocess import BoxError, ImageDecodeError, load_image, load_images

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "shipped" / "fin-embedder-v1.keras"

_LAZY = {
    "Embedder": "model",
    "ModelLoadError": "model",
    "ModelMetadata": "model",
    "build_embedder": "model",
    "load_embedder": "model",
    "load_metadata": "model",
    "save_model": "model",
    "set_threads": "model",
    "TrainConfig": "train",
    "TrainResult": "train",
    "train": "train",
    "evaluate_dataset": "evaluate",
    "ranking_metrics": "evaluate",
    "render_individual_photo": "synth",
    "write_dataset": "synth",
    # The outline (edge) method: no TensorFlow until a network is used.
    "Outline": "outline",
    "OutlineTracer": "outline",
    "trace_outline": "outline",
    "outline_correct": "outline_edit",
    "canonical_edge": "outline",
    "OUTLINE_METHOD_VERSION": "outline",
    "EDGE_METHOD_VERSION": "edges",
    "EdgeCandidate": "edges",
    "EdgeGallery": "edges",
    "FinEdge": "edges",
    "align_edges": "edges",
    "describe_fin": "edges",
    "edge_vectors": "edges",
    "method_version": "edges",
    "new_individual_probability_edge": "edges",
    "canonical_shape": "shape",
    "Segmenter": "segment",
}

__all__ = [
    "DEFAULT_MODEL_PATH",
    "BoxError",
    "Candidate",
    "Gallery",
    "ImageDecodeError",
    "fit_calibration",
    "load_image",
    "load_images",
    "new_individual_probability",
    "top_features",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    """Import TensorFlow-backed names on first use."""
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        if name == "new_individual_probability_edge":
            return module.new_individual_probability
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
