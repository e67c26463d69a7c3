"""Fin segmentation: a small TensorFlow network, and a classical baseline to compare it with.

Both map an RGB crop (``H x W x 3`` uint8) to a probability map that the crop's dolphin
(fin and back above the water) covers each pixel. The network sees the crop resized
(not padded) to ``S x S``; its map comes back at that size and :mod:`dois.ml.outline`
resizes it to the crop.

The network is a small U-Net built from scratch and trained only on synthetic field
scenes whose masks are exact (:func:`dois.ml.synth.render_scene`); see
``python -m dois.ml.make_segmenter``. It is shipped as a ``.keras`` file, a ``.tflite``
export (served through LiteRT, one thread) and a ``.json`` sidecar.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_SEGMENTER_PATH",
    "SegmenterLoadError",
    "build_segmenter",
    "Segmenter",
    "segment_classical",
    "save_segmenter",
]

DEFAULT_SEGMENTER_PATH = Path(__file__).resolve().parent / "shipped" / "fin-segmenter-v1.keras"


class SegmenterLoadError(RuntimeError):
    """The segmenter file is missing or unreadable."""


def build_segmenter(*, size: int = 128, width: int = 16, seed: int | None = None) -> Any:
    """A compact U-Net: ``N x S x S x 3`` floats in [0, 1] -> ``N x S x S x 1`` logits."""
    import keras
    from keras import layers

    if seed is not None:
        keras.utils.set_random_seed(seed)

    def block(x: Any, ch: int, name: str) -> Any:
        for i in range(2):
            x = layers.Conv2D(ch, 3, padding="same", use_bias=False, name=f"{name}_c{i}")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"{name}_bn{i}")(x)
            x = layers.ReLU(name=f"{name}_r{i}")(x)
        return x

    w = width
    inp = keras.Input((size, size, 3), name="image")
    x = layers.Rescaling(2.0, offset=-1.0, name="scale")(inp)
    s1 = layers.Conv2D(w, 3, strides=2, padding="same", use_bias=False, name="stem")(x)
    s1 = layers.ReLU(name="stem_r")(layers.BatchNormalization(name="stem_bn")(s1))
    e1 = block(s1, w, "e1")  # S/2
    e2 = block(layers.MaxPooling2D(name="p2")(e1), w * 3 // 2, "e2")  # S/4
    e3 = block(layers.MaxPooling2D(name="p3")(e2), w * 2, "e3")  # S/8
    e4 = block(layers.MaxPooling2D(name="p4")(e3), w * 3, "e4")  # S/16
    b = block(layers.MaxPooling2D(name="p5")(e4), w * 4, "b")  # S/32: wide context
    d4 = block(layers.Concatenate(name="k4")([layers.UpSampling2D(name="u4")(b), e4]), w * 3,
               "d4")
    d3 = block(layers.Concatenate(name="k3")([layers.UpSampling2D(name="u3")(d4), e3]), w * 2,
               "d3")
    d2 = block(layers.Concatenate(name="k2")([layers.UpSampling2D(name="u2")(d3), e2]),
               w * 3 // 2, "d2")
    u1 = layers.Conv2D(w, 1, name="u1_c")(layers.UpSampling2D(name="u1")(d2))
    d1 = layers.Add(name="k1")([u1, e1])
    d1 = layers.Conv2D(w, 3, padding="same", activation="relu", name="d1_c")(d1)
    half = layers.Conv2D(1, 1, name="half_logits")(d1)
    out = layers.UpSampling2D(interpolation="bilinear", name="logits")(half)
    return keras.Model(inp, out, name="fin_segmenter")


def _tflite_path(path: Path) -> Path:
    return path.with_suffix(".tflite")


def _meta_path(path: Path) -> Path:
    return path.with_suffix(".json")


def save_segmenter(model: Any, path: str | os.PathLike, *, metadata: dict[str, Any]) -> Path:
    """Write ``path`` (.keras), its ``.tflite`` export and its ``.json`` metadata."""
    import tempfile

    import tensorflow as tf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    with tempfile.TemporaryDirectory() as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False)
        _tflite_path(path).write_bytes(tf.lite.TFLiteConverter.from_saved_model(tmp).convert())
    meta = {"input_size": int(model.input_shape[1]), **metadata}
    _meta_path(path).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n",
                                encoding="utf-8")
    return path


class Segmenter:
    """Serve the segmentation network; nothing loads until the first call.

    Safe to create before a fork: each process loads its own interpreter. Uses the
    ``.tflite`` export through LiteRT when present (``backend="auto"``), else Keras.
    """

    def __init__(self, path: str | os.PathLike = DEFAULT_SEGMENTER_PATH, *,
                 threads: int = 1, backend: str = "auto") -> None:
        self.path = Path(path)
        if not self.path.is_file() and not _tflite_path(self.path).is_file():
            raise SegmenterLoadError(f"segmenter {self.path} not found")
        self.threads = threads
        self.requested_backend = backend
        meta_file = _meta_path(self.path)
        try:
            self.metadata: dict[str, Any] = (json.loads(meta_file.read_text(encoding="utf-8"))
                                             if meta_file.is_file() else {})
        except (OSError, ValueError) as exc:
            raise SegmenterLoadError(f"segmenter metadata {meta_file} unreadable: {exc}") from exc
        self.input_size = int(self.metadata.get("input_size", 128))
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._interp: Any = None
        self._model: Any = None
        self.backend: str | None = None

    def _load(self) -> None:
        lite = _tflite_path(self.path)
        if self.requested_backend in {"auto", "tflite"} and lite.is_file():
            try:
                from ai_edge_litert.interpreter import Interpreter

                self._interp = Interpreter(model_path=str(lite), num_threads=self.threads)
                self._interp.allocate_tensors()
                self._batch = 1
                self.backend = "tflite"
                self._pid = os.getpid()
                return
            except Exception as exc:  # noqa: BLE001 - fall back to Keras below
                if self.requested_backend == "tflite":
                    raise SegmenterLoadError(f"{lite} unreadable: {exc}") from exc
        import keras

        try:
            self._model = keras.saving.load_model(self.path, compile=False, safe_mode=True)
        except Exception as exc:  # noqa: BLE001 - Keras raises many kinds here
            raise SegmenterLoadError(f"segmenter {self.path} unreadable: {exc}") from exc
        self.backend = "tf"
        self._pid = os.getpid()

    def warm(self) -> Segmenter:
        """Load now, in this process."""
        with self._lock:
            if self._pid != os.getpid():
                self._load()
        return self

    def logits(self, batch: np.ndarray) -> np.ndarray:
        """``N x S x S x 3`` uint8 (already resized) -> ``N x S x S`` float32 logits."""
        if self._pid != os.getpid():
            self.warm()
        x = np.ascontiguousarray(np.asarray(batch, np.float32) * np.float32(1 / 255))
        with self._lock:
            if self._interp is not None:
                inp = self._interp.get_input_details()[0]
                if self._batch != len(x):
                    self._interp.resize_tensor_input(inp["index"], list(x.shape), strict=False)
                    self._interp.allocate_tensors()
                    self._batch = len(x)
                self._interp.set_tensor(inp["index"], x)
                self._interp.invoke()
                out = self._interp.get_tensor(self._interp.get_output_details()[0]["index"])
            else:
                out = self._model(x, training=False)
                out = np.asarray(out)
        return np.array(out[..., 0], np.float32)

    def probability(self, image: np.ndarray) -> np.ndarray:
        """One RGB crop (any size) -> ``S x S`` probability map of the dolphin."""
        import cv2

        s = self.input_size
        small = cv2.resize(np.asarray(image, np.uint8), (s, s), interpolation=cv2.INTER_AREA)
        return 1.0 / (1.0 + np.exp(-self.logits(small[None])[0]))


def segment_classical(image: np.ndarray, *, size: int = 160, iterations: int = 4) -> np.ndarray:
    """Baseline: threshold plus GrabCut. RGB crop -> ``S x S`` probability-like map.

    The dolphin is taken to differ from the water in brightness and saturation (Otsu
    threshold on a darkness-and-greyness score, the side that holds the bottom centre),
    and GrabCut refines that seed: the top border is sure water, the thresholded
    region's core is probable fin, the rest probable water.
    """
    import cv2

    img = cv2.resize(np.asarray(image, np.uint8), (size, size), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.float32)
    score = (255 - hsv[..., 2]) + 0.7 * (255 - hsv[..., 1])
    score = cv2.GaussianBlur(score, (0, 0), 1.5)
    score8 = cv2.normalize(score, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    _, fg = cv2.threshold(score8, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bottom = fg[int(size * 0.75):, int(size * 0.3):int(size * 0.7)].mean()
    if bottom < 0.5:
        fg = 1 - fg
    mask = np.where(fg > 0, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    core = cv2.erode(fg.astype(np.uint8), np.ones((7, 7), np.uint8))
    mask[core > 0] = cv2.GC_FGD
    mask[:2, :] = cv2.GC_BGD
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(img[..., ::-1].copy(), mask, None, bgd, fgd, iterations,
                    cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return fg.astype(np.float32)
    out = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    return cv2.GaussianBlur(out, (0, 0), 0.8)
