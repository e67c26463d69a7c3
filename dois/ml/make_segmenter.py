"""Reproduce the shipped fin segmenter: render synthetic scenes, train, export.

``python -m dois.ml.make_segmenter [--scenes N] [--steps S] [--out PATH]`` renders ``N``
synthetic field scenes with exact masks (:func:`dois.ml.synth.render_scene`), trains the
U-Net of :mod:`dois.ml.segment` on them (soft binary cross-entropy plus soft Dice, AdamW,
cosine schedule, colour jitter), reports the IoU on 600 unseen scenes and writes the
``.keras``, ``.tflite`` and ``.json`` files. No real photo is used for training.
The defaults are the shipped recipe: about 11 minutes of rendering and 46 of training
on two shared CPU cores (``nice``-d beside other work).

``--extra DIR`` adds person-checked examples: ``DIR/*.png`` RGB crops with a
``*.mask.png`` beside each (255 = dolphin), e.g. outlines people corrected on the site.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .segment import DEFAULT_SEGMENTER_PATH, build_segmenter, save_segmenter

__all__ = ["train_segmenter", "main"]

SCENES = 12000
STEPS = 3000
BATCH = 16
SIZE = 128
VAL_SEED = 10_000_000  # scene seeds from here on are never trained on


def _log(msg: str) -> None:
    print(f"[segmenter {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _load_extra(folder: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    imgs, masks = [], []
    for p in sorted(folder.glob("*.png")):
        if p.name.endswith(".mask.png"):
            continue
        m = p.with_name(p.stem + ".mask.png")
        if not m.is_file():
            continue
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)[..., ::-1]
        mask = cv2.imread(str(m), cv2.IMREAD_GRAYSCALE)
        imgs.append(cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA))
        masks.append(cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA))
    if not imgs:
        return np.zeros((0, size, size, 3), np.uint8), np.zeros((0, size, size), np.uint8)
    return np.stack(imgs), np.stack(masks)


def iou(prob: np.ndarray, truth: np.ndarray) -> float:
    """Mean IoU of ``prob > 0.5`` against ``truth > 0.5`` over a batch."""
    p, t = prob > 0.5, truth > 0.5
    inter = (p & t).sum(axis=(1, 2))
    union = (p | t).sum(axis=(1, 2))
    return float(np.mean(np.where(union > 0, inter / np.maximum(union, 1), 1.0)))


def train_segmenter(*, out: Path, scenes: int = SCENES, steps: int = STEPS, batch: int = BATCH,
                    size: int = SIZE, seed: int = 0, processes: int = 2,
                    extra: Sequence[Path] = (), width: int = 16) -> dict[str, Any]:
    """Train and save the segmenter; returns its metrics and recipe."""
    import keras
    import tensorflow as tf

    from .synth import render_scenes

    t0 = time.time()
    _log(f"rendering {scenes} scenes")
    x, y = render_scenes(seeds=[seed * 1_000_003 + i for i in range(scenes)], size=size,
                         processes=processes)
    for folder in extra:
        ex, ey = _load_extra(Path(folder), size)
        if len(ex):  # person-checked photos count four times
            x = np.concatenate([x] + [ex] * 4)
            y = np.concatenate([y] + [ey] * 4)
    vx, vy = render_scenes(seeds=[VAL_SEED + i for i in range(600)], size=size,
                           processes=processes)
    render_s = time.time() - t0
    _log(f"rendered in {render_s:.0f}s; training {steps} steps of {batch}")

    model = build_segmenter(size=size, width=width, seed=seed)
    sched = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.02,
                                                   warmup_target=None)
    opt = keras.optimizers.AdamW(learning_rate=sched, weight_decay=1e-4)
    rng = np.random.default_rng(seed)

    @tf.function(jit_compile=False)
    def step(xb: Any, yb: Any) -> Any:
        xb = tf.cast(xb, tf.float32) / 255.0
        yb = tf.cast(yb, tf.float32)[..., None] / 255.0
        n = tf.shape(xb)[0]
        # Colour jitter: brightness, contrast, saturation, channel gains.
        xb = tf.image.random_saturation(xb, 0.5, 1.5)
        gain = tf.random.uniform([n, 1, 1, 3], 0.85, 1.15)
        mean = tf.reduce_mean(xb, axis=[1, 2, 3], keepdims=True)
        con = tf.random.uniform([n, 1, 1, 1], 0.7, 1.3)
        xb = (xb - mean) * con + mean + tf.random.uniform([n, 1, 1, 1], -0.12, 0.12)
        xb = tf.clip_by_value(xb * gain, 0.0, 1.0)
        flip = tf.random.uniform([n, 1, 1, 1]) < 0.5
        xb = tf.where(flip, tf.reverse(xb, axis=[2]), xb)
        yb = tf.where(flip, tf.reverse(yb, axis=[2]), yb)
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            bce = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(yb, logits))
            p = tf.sigmoid(logits)
            inter = tf.reduce_sum(p * yb, axis=[1, 2, 3])
            den = tf.reduce_sum(p + yb, axis=[1, 2, 3])
            dice = 1.0 - tf.reduce_mean((2 * inter + 1.0) / (den + 1.0))
            loss = bce + 0.5 * dice
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    t1 = time.time()
    losses = []
    for s in range(steps):
        idx = rng.integers(0, len(x), batch)
        losses.append(float(step(x[idx], y[idx])))
        if (s + 1) % 250 == 0 or s == 0:
            _log(f"step {s + 1}/{steps} loss {np.mean(losses[-250:]):.4f} "
                 f"({(time.time() - t1) / (s + 1):.3f}s/step)")
    train_s = time.time() - t1
    vp = []
    for i in range(0, len(vx), 50):
        lg = model(vx[i:i + 50].astype(np.float32) / 255.0, training=False)
        vp.append(1 / (1 + np.exp(-np.asarray(lg)[..., 0])))
    val_iou = iou(np.concatenate(vp), vy.astype(np.float32) / 255.0)
    _log(f"unseen synthetic IoU {val_iou:.4f}")
    meta = {
        "name": "fin-segmenter", "version": "1", "input_size": size, "width": width,
        "trained_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "recipe": {"scenes": scenes, "steps": steps, "batch": batch, "seed": seed,
                   "extra": [str(p) for p in extra], "extra_photos": int(len(x) - scenes)},
        "metrics": {"synthetic_unseen_iou": round(val_iou, 4), "render_s": round(render_s),
                    "train_s": round(train_s), "final_loss": round(float(np.mean(losses[-250:])),
                                                                    4)},
        "params": int(model.count_params()),
    }
    save_segmenter(model, out, metadata=meta)
    _log(f"saved {out}")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(prog="python -m dois.ml.make_segmenter")
    ap.add_argument("--out", default=str(DEFAULT_SEGMENTER_PATH))
    ap.add_argument("--scenes", type=int, default=SCENES)
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--size", type=int, default=SIZE)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--extra", action="append", default=[],
                    help="folder of person-checked crops (x.png + x.mask.png)")
    args = ap.parse_args(argv)
    meta = train_segmenter(out=Path(args.out), scenes=args.scenes, steps=args.steps,
                           batch=args.batch, size=args.size, seed=args.seed,
                           processes=args.processes, extra=[Path(p) for p in args.extra],
                           width=args.width)
    print(json.dumps(meta))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
