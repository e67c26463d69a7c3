"""The fin embedding network, its ArcFace training head, saving, loading and serving.

The embedder maps ``N x S x S x 3`` float32 images in [0, 1] to L2-normalised
vectors (cosine similarity = dot product). It is a small depthwise-separable CNN
built from scratch (no pretrained weights), small enough to train on two CPU cores.

A saved model is one ``.keras`` file plus a sidecar ``.json`` with its metadata
(input size, embedding dimension, new-individual threshold and calibration, name,
version, training data) and, optionally, a ``.tflite`` export used by ``Embedder``
for fast CPU serving.
"""

from __future__ import annotations

import json
import math
import os
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
from keras import layers, ops

__all__ = [
    "ModelLoadError",
    "ModelMetadata",
    "ArcFaceHead",
    "build_embedder",
    "build_training_model",
    "save_model",
    "load_embedder",
    "load_metadata",
    "metadata_path",
    "tflite_path",
    "export_tflite",
    "Embedder",
    "set_threads",
    "recalibrate_batchnorm",
]


class ModelLoadError(RuntimeError):
    """A model file is missing, unreadable or not a fin embedder."""


@dataclass
class ModelMetadata:
    """What a saved embedder needs besides its weights."""

    name: str = "fin-embedder"
    version: str = "0"
    input_size: int = 128
    embedding_dim: int = 128
    new_individual_threshold: float = 0.5  # on the calibrated probability
    calibration: dict[str, float] = field(
        default_factory=lambda: {"w_score": -12.0, "w_margin": -8.0, "bias": 7.0})
    training_data: str = ""
    trained_at: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise to a JSON string."""
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelMetadata:
        """Build from a dict, ignoring unknown keys."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def set_threads(*, intra_op: int | None = None, inter_op: int | None = None) -> bool:
    """Size TensorFlow's thread pools; call before the first TF operation.

    Returns False when TF is already initialised (the pools can then no longer change).
    """
    import tensorflow as tf

    try:
        if intra_op:
            tf.config.threading.set_intra_op_parallelism_threads(int(intra_op))
        if inter_op:
            tf.config.threading.set_inter_op_parallelism_threads(int(inter_op))
    except RuntimeError:
        return False
    return True


# --------------------------------------------------------------------------- network
def _act(x: Any) -> Any:
    return layers.ReLU()(x)


def _norm(name: str) -> layers.Layer:
    return layers.BatchNormalization(momentum=0.9, name=name)


def recalibrate_batchnorm(model: keras.Model, batches: Any) -> int:
    """Re-estimate every BatchNorm's moving statistics as the average over ``batches``.

    Short CPU runs leave the running statistics behind the weights, which collapses
    the embeddings at inference; this pass fixes them. Returns the batches used.
    """
    bns = [layer for layer in model._flatten_layers() if
           isinstance(layer, layers.BatchNormalization)]
    sums = {id(b): [np.zeros(b.moving_mean.shape), np.zeros(b.moving_variance.shape)]
            for b in bns}
    saved = {id(b): b.momentum for b in bns}
    drops = [layer for layer in model._flatten_layers() if isinstance(layer, layers.Dropout)]
    rates = [d.rate for d in drops]
    for d in drops:  # statistics as at inference: no dropout
        d.rate = 0.0
    n = 0
    for batch in batches:
        for b in bns:
            b.momentum = 0.0  # moving stats := this batch's stats
        model(batch, training=True)
        for b in bns:
            sums[id(b)][0] += np.asarray(b.moving_mean)
            sums[id(b)][1] += np.asarray(b.moving_variance)
        n += 1
    for d, rate in zip(drops, rates, strict=True):
        d.rate = rate
    for b in bns:
        b.momentum = saved[id(b)]
        if n:
            b.moving_mean.assign(sums[id(b)][0] / n)
            b.moving_variance.assign(sums[id(b)][1] / n)
    return n


def _sep_block(x: Any, *, out: int, stride: int, name: str) -> Any:
    """Depthwise-separable 3x3 conv, BN, ReLU; residual when the shape is kept."""
    y = layers.SeparableConv2D(out, 3, strides=stride, padding="same", use_bias=False,
                               name=f"{name}_sep")(x)
    y = _norm(f"{name}_bn")(y)
    if stride == 1 and x.shape[-1] == out:
        y = layers.Add(name=f"{name}_add")([x, y])
    return _act(y)


_STAGES = (  # out channels, repeats (the first block of each stage halves the size)
    (48, 2),
    (64, 2),
    (96, 3),
    (160, 2),
)


def build_embedder(*, input_size: int = 128, embedding_dim: int = 128, width: float = 1.0,
                   dropout: float = 0.2, seed: int | None = None) -> keras.Model:
    """Build the embedding network: image in [0, 1] -> unit-length vector.

    A stem convolution and four stages of depthwise-separable blocks (total stride
    32), global average and max pooling, a linear projection, batch norm and L2
    normalisation. Call ``recalibrate_batchnorm`` after training. About 0.2 M
    parameters at ``width=1``.
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    inp = keras.Input((input_size, input_size, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="to_signed")(inp)
    x = layers.Conv2D(max(8, int(32 * width)), 3, strides=2, padding="same", use_bias=False,
                      name="stem")(x)
    x = _norm("stem_bn")(x)
    x = _act(x)
    for s, (out, repeats) in enumerate(_STAGES):
        for r in range(repeats):
            x = _sep_block(x, out=max(8, int(out * width)), stride=2 if r == 0 else 1,
                           name=f"s{s}b{r}")
    x = layers.Conv2D(max(64, int(256 * width)), 1, use_bias=False, name="head_conv")(x)
    x = _norm("head_bn")(x)
    x = _act(x)
    pooled = layers.Concatenate(name="pool")([layers.GlobalAveragePooling2D()(x),
                                              layers.GlobalMaxPooling2D()(x)])
    pooled = layers.Dropout(dropout, name="drop")(pooled)
    emb = layers.Dense(embedding_dim, use_bias=False, name="embedding")(pooled)
    emb = _norm("embedding_bn")(emb)
    emb = layers.UnitNormalization(name="l2norm")(emb)
    return keras.Model(inp, emb, name="fin_embedder")


@keras.saving.register_keras_serializable(package="dois")
class ArcFaceHead(layers.Layer):
    """Sub-center ArcFace logits: ``s * cos(theta + m)`` for the true class.

    Called as ``head([embedding, labels])``; ``labels`` are int class indices. With
    ``subcenters > 1`` each class has several centres and the closest one counts,
    which tolerates a few wrong labels.
    """

    def __init__(self, n_classes: int, *, margin: float = 0.3, scale: float = 30.0,
                 subcenters: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n_classes = int(n_classes)
        self.margin = float(margin)
        self.scale = float(scale)
        self.subcenters = int(subcenters)

    def build(self, input_shape: Any) -> None:
        dim = int(input_shape[0][-1])
        self.centres = self.add_weight(
            name="centres", shape=(dim, self.n_classes * self.subcenters),
            initializer="glorot_uniform", trainable=True)

    def cosine(self, emb: Any) -> Any:
        """Cosine similarity of embeddings to each class (best sub-centre)."""
        w = self.centres / (ops.norm(self.centres, axis=0, keepdims=True) + 1e-7)
        e = emb / (ops.norm(emb, axis=-1, keepdims=True) + 1e-7)
        cos = ops.matmul(e, w)
        if self.subcenters > 1:
            cos = ops.reshape(cos, (-1, self.n_classes, self.subcenters))
            cos = ops.max(cos, axis=-1)
        return cos

    def call(self, inputs: Any) -> Any:
        emb, labels = inputs
        cos = ops.clip(self.cosine(emb), -1.0 + 1e-7, 1.0 - 1e-7)
        sin = ops.sqrt(1.0 - cos * cos)
        m = self.margin
        phi = cos * math.cos(m) - sin * math.sin(m)
        # Past theta = pi - m, fall back to a linear penalty (keeps the target monotonic).
        phi = ops.where(cos > math.cos(math.pi - m), phi, cos - math.sin(math.pi - m) * m)
        onehot = ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), self.n_classes)
        return self.scale * (onehot * phi + (1.0 - onehot) * cos)

    def get_config(self) -> dict[str, Any]:
        cfg = super().get_config()
        cfg.update(n_classes=self.n_classes, margin=self.margin, scale=self.scale,
                   subcenters=self.subcenters)
        return cfg


def build_training_model(*, embedder: keras.Model, n_classes: int, margin: float = 0.3,
                         scale: float = 30.0, subcenters: int = 1) -> keras.Model:
    """Wrap ``embedder`` with an ArcFace head: ``(image, label) -> logits``."""
    image = keras.Input(embedder.input_shape[1:], name="image")
    label = keras.Input((), dtype="int32", name="label")
    emb = embedder(image)
    head = ArcFaceHead(n_classes, margin=margin, scale=scale, subcenters=subcenters,
                       name="arcface")
    logits = head([emb, label])
    return keras.Model([image, label], logits, name="fin_arcface")


# ----------------------------------------------------------------------- save / load
def metadata_path(path: str | os.PathLike) -> Path:
    """The sidecar JSON of a ``.keras`` file."""
    return Path(path).with_suffix(".json")


def tflite_path(path: str | os.PathLike) -> Path:
    """The sidecar TFLite export of a ``.keras`` file."""
    return Path(path).with_suffix(".tflite")


def save_model(model: keras.Model, path: str | os.PathLike, *,
               metadata: ModelMetadata | None = None, tflite: bool = True) -> Path:
    """Save the embedder to ``path`` (``.keras``) with its metadata sidecar.

    With ``tflite`` also writes a ``.tflite`` export for fast serving.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"model path must end in .keras: {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = metadata or ModelMetadata()
    meta.input_size = int(model.input_shape[1])
    meta.embedding_dim = int(model.output_shape[-1])
    tmp = path.with_name(path.name + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)
    metadata_path(path).write_text(meta.to_json() + "\n", encoding="utf-8")
    if tflite:
        try:
            export_tflite(model, tflite_path(path))
        except Exception as exc:  # noqa: BLE001 - serving falls back to tf.function
            tflite_path(path).unlink(missing_ok=True)
            print(f"warning: TFLite export failed, serving will use TF: {exc}")
    elif tflite_path(path).exists():
        tflite_path(path).unlink()
    return path


def export_tflite(model: keras.Model, path: str | os.PathLike) -> Path:
    """Export ``model`` as a float32 TFLite flatbuffer with a dynamic batch size."""
    import tempfile

    import tensorflow as tf

    with tempfile.TemporaryDirectory() as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False)
        data = tf.lite.TFLiteConverter.from_saved_model(tmp).convert()
    path = Path(path)
    path.write_bytes(data)
    return path


def load_metadata(path: str | os.PathLike) -> ModelMetadata:
    """Read the sidecar metadata of a model file (defaults when there is none)."""
    side = metadata_path(path)
    if not side.exists():
        return ModelMetadata()
    try:
        return ModelMetadata.from_dict(json.loads(side.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise ModelLoadError(f"model metadata {side} unreadable: {exc}") from exc


def load_embedder(path: str | os.PathLike) -> keras.Model:
    """Load a saved embedder; raise ``ModelLoadError`` if missing or corrupt."""
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"model file {path} not found")
    if not zipfile.is_zipfile(path):
        raise ModelLoadError(f"model file {path} unreadable: not a .keras archive")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - Keras raises many kinds here
        raise ModelLoadError(f"model file {path} unreadable: {exc}") from exc
    if len(model.output_shape) != 2:
        raise ModelLoadError(f"model file {path} is not an embedder (output {model.output_shape})")
    return model


# ---------------------------------------------------------------------------- serving
class Embedder:
    """Fast embedding of ready image batches (``N x S x S x 3`` float32 in [0, 1]).

    Nothing is loaded until the first ``embed`` call (or ``warm``), so it is safe to
    create in a parent process before a fork. ``backend``: ``"auto"`` uses the TFLite
    export through LiteRT when it exists, else a compiled ``tf.function``;
    ``"tflite"`` or ``"tf"`` force one.
    """

    def __init__(self, path: str | os.PathLike, *, backend: str = "auto",
                 threads: int | None = None) -> None:
        if backend not in {"auto", "tflite", "tf"}:
            raise ValueError(f"unknown backend {backend!r}")
        self.path = Path(path)
        self.requested_backend = backend
        self.threads = threads
        self.metadata = load_metadata(self.path) if self.path.is_file() else ModelMetadata()
        if not self.path.is_file():
            raise ModelLoadError(f"model file {self.path} not found")
        self._lock = threading.Lock()
        self._fn: Any = None
        self._interp: Any = None
        self._pid: int | None = None
        self.backend: str | None = None

    @property
    def input_size(self) -> int:
        """Side of the square input images."""
        return int(self.metadata.input_size)

    @property
    def embedding_dim(self) -> int:
        """Length of the output vectors."""
        return int(self.metadata.embedding_dim)

    def warm(self) -> Embedder:
        """Load the model now (in this process)."""
        with self._lock:
            if self._pid != os.getpid():
                self._load()
        return self

    def _load(self) -> None:
        self._fn = self._interp = None
        lite = tflite_path(self.path)
        use_lite = self.requested_backend == "tflite" or (
            self.requested_backend == "auto" and lite.is_file())
        if use_lite:
            if not lite.is_file():
                raise ModelLoadError(f"TFLite export {lite} not found")
            try:
                from ai_edge_litert.interpreter import Interpreter
            except ImportError as exc:
                if self.requested_backend == "tflite":
                    raise ModelLoadError(f"LiteRT is not installed: {exc}") from exc
                use_lite = False
        if use_lite:
            try:
                self._interp = Interpreter(model_path=str(lite), num_threads=self.threads or 1)
            except Exception as exc:  # noqa: BLE001
                raise ModelLoadError(f"TFLite export {lite} unreadable: {exc}") from exc
            self._interp_batch = -1
            self.backend = "tflite"
        else:
            import tensorflow as tf

            if self.threads:
                set_threads(intra_op=self.threads, inter_op=1)
            model = load_embedder(self.path)
            size = self.input_size
            self._fn = tf.function(
                lambda x: model(x, training=False),
                input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32)])
            self._model = model
            self.backend = "tf"
        self._pid = os.getpid()

    def _run_tflite(self, batch: np.ndarray) -> np.ndarray:
        interp = self._interp
        inp = interp.get_input_details()[0]
        if self._interp_batch != len(batch):
            interp.resize_tensor_input(inp["index"], list(batch.shape), strict=False)
            interp.allocate_tensors()
            self._interp_batch = len(batch)
        interp.set_tensor(inp["index"], batch)
        interp.invoke()
        return np.array(interp.get_tensor(interp.get_output_details()[0]["index"]))

    def embed(self, batch: np.ndarray) -> np.ndarray:
        """Embed a batch; returns ``N x D`` float32 unit vectors."""
        batch = np.asarray(batch, dtype=np.float32)
        if batch.ndim == 3:
            batch = batch[None]
        size = self.input_size
        if batch.shape[1:] != (size, size, 3):
            raise ValueError(f"expected N x {size} x {size} x 3 images, got {batch.shape}")
        if self._pid != os.getpid():
            self.warm()
        if len(batch) == 0:
            return np.zeros((0, self.embedding_dim), np.float32)
        with self._lock:
            if self._interp is not None:
                out = self._run_tflite(np.ascontiguousarray(batch))
            else:
                out = self._fn(batch).numpy()
        return out.astype(np.float32, copy=False)
