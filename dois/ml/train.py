"""Train the fin embedder with an ArcFace head (default) or a supervised-contrastive loss.

``TrainConfig(loss="supcon")``: batches of P individuals x K photos and a
supervised-contrastive loss, which needs no per-class weights and so generalises to
unseen individuals better than ArcFace over thousands of classes with a few photos
each; synthetic photos are used as rendered (the renderer already varies pose, light
and sea; augmenting them again drowned the identity), real photos get mild augmentation.

Data: folder-per-individual datasets (``--data``; images whose names say ``left`` or
``right`` become one class per individual and side) and synthetic fins
(``--synthetic N`` individuals). Held-out individuals (synthetic, and a share of each
real dataset) never train; after training they fit the new-individual calibration
and give validation figures that go into the model's metadata.

CLI: ``python -m dois.ml.train --out PATH [--data DIR ...] [--synthetic N]
[--epochs E] [--seed S]``. TensorFlow uses a GPU when one is present.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import Item, scan_dataset
from .gallery import Gallery, fit_calibration, top_features
from .preprocess import load_images
from .synth import render_batch, render_uploads

__all__ = ["TrainConfig", "TrainResult", "train", "main"]

ProgressCallback = Callable[[int, int, dict[str, float]], None]
SYNTH_TRAIN_BASE = 1_000_000  # synthetic training individuals: base + seed * 100_000 + i
SYNTH_HOLDOUT_BASE = 500_000_000  # synthetic held-out (calibration) individuals


@dataclass
class TrainConfig:
    """Knobs of a training run (defaults suit two CPU cores)."""

    input_size: int = 128
    embedding_dim: int = 128
    width: float = 1.0
    batch_size: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 5e-4
    margin: float = 0.2
    scale: float = 24.0
    subcenters: int = 1
    loss: str = "arcface"  # "supcon" (P identities x K photos per batch) or "arcface"
    temperature: float = 0.1  # supervised-contrastive temperature
    photos_per_class: int = 4  # K of a P x K batch
    augment_synthetic: bool = False  # synthetic photos already vary pose, light and sea
    real_class_share: float = 0.0  # share of each P x K batch's classes that are real
    synthetic_photos: int = 4
    # Synthetic photos as uploads: rendered at this size, saved as JPEG and loaded like
    # any photo (0: rendered straight at the input size, which the evaluation never sees).
    synthetic_render_size: int = 224
    holdout_synthetic: int = 60
    holdout_real_share: float = 0.08
    real_repeat: int = 2
    augment: bool = True
    name: str = "fin-embedder"
    version: str = "dev"


@dataclass
class TrainResult:
    """What a run produced."""

    out_path: Path
    epochs: int
    seconds: float
    n_classes: int
    n_train_images: int
    history: list[dict[str, float]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


def _log(msg: str) -> None:
    print(f"[train {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _split_real(items: Sequence[Item], *, share: float, rng: np.random.Generator
                ) -> tuple[list[Item], list[Item]]:
    """Split by individual: a share of individuals with 2+ images is held out."""
    by_ind: dict[str, list[Item]] = {}
    for it in items:
        by_ind.setdefault(it.individual, []).append(it)
    eligible = sorted(k for k, v in by_ind.items() if len(v) >= 2)
    n_hold = int(round(len(eligible) * share)) if len(by_ind) > 3 else 0
    held = set(rng.choice(eligible, size=n_hold, replace=False)) if n_hold else set()
    train = [it for it in items if it.individual not in held]
    hold = [it for it in items if it.individual in held]
    return train, hold


def _class_key(root: Path, it: Item) -> str:
    return f"{root.name}/{it.individual}/{it.side or '-'}"


def _calibration_examples(vectors: np.ndarray, labels: list[str], groups: list[str]
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Known (leave-one-out) and new (individual removed) queries' features.

    Individuals of each group are split in half: the first half forms the gallery,
    queried leave-one-out (known); the second half's photos are new individuals.
    Returns top1, margin, is_new and the known queries' top-1 accuracy.
    """
    top1s, margins, is_new = [], [], []
    hits = total = 0
    for group in sorted(set(groups)):
        idx = [i for i, g in enumerate(groups) if g == group]
        inds = sorted({labels[i] for i in idx})
        if len(inds) < 4:
            continue
        known = set(inds[::2])
        g_idx = [i for i in idx if labels[i] in known]
        n_idx = [i for i in idx if labels[i] not in known]
        gal = Gallery(vectors[g_idx], [labels[i] for i in g_idx])
        counts = {lab: sum(labels[i] == lab for i in g_idx) for lab in known}
        q_known = [j for j, i in enumerate(g_idx) if counts[labels[i]] >= 2]
        res = gal.search(vectors[[g_idx[j] for j in q_known]], k=2, exclude=q_known)
        for j, cands in zip(q_known, res, strict=True):
            s, m = top_features(cands)
            top1s.append(s)
            margins.append(m)
            is_new.append(0)
            hits += int(bool(cands) and cands[0].label == labels[g_idx[j]])
            total += 1
        for cands in gal.search(vectors[n_idx], k=2):
            s, m = top_features(cands)
            top1s.append(s)
            margins.append(m)
            is_new.append(1)
    return (np.array(top1s), np.array(margins), np.array(is_new), hits / max(total, 1))


def _render_synthetic(*, seeds: list[int], photos: int, size: int, cfg: TrainConfig
                      ) -> tuple[np.ndarray, np.ndarray]:
    if not cfg.synthetic_render_size:
        return render_batch(individual_seeds=seeds, photos_per_individual=photos, size=size)
    return render_uploads(individual_seeds=seeds, photos_per_individual=photos, size=size,
                          render_size=cfg.synthetic_render_size,
                          processes=min(4, os.cpu_count() or 1))


def _dataset(images: np.ndarray, labels: np.ndarray, index: np.ndarray, *, batch: int,
             seed: int, augment: bool = True) -> Any:
    import tensorflow as tf

    from .augment import augment_batch

    imgs = tf.constant(images)
    labs = tf.constant(labels.astype(np.int32))
    ds = tf.data.Dataset.from_tensor_slices(index.astype(np.int32))
    ds = ds.shuffle(len(index), seed=seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(batch, drop_remainder=True)

    def load(idx: Any) -> Any:
        x = tf.gather(imgs, idx)
        x = augment_batch(x) if augment else tf.cast(x, tf.float32) / 255.0
        y = tf.gather(labs, idx)
        return (x, y), y

    return ds.map(load, num_parallel_calls=2).prefetch(2)


def _mild_augment() -> Any:
    from .augment import AugmentConfig

    return AugmentConfig(rotate_deg=6.0, scale=(0.9, 1.1), shift=0.04, p_glare=0.1,
                         p_spray=0.1, p_blur=0.2, p_water=0.1, noise=0.02)


def _augment_head(x: Any, n: Any, cfg: Any) -> Any:
    """Augment the first ``n`` images of a float batch and keep the rest as they are.

    Only real photos need augmenting; augmenting a whole batch and keeping part of it
    cost about as much as the training step itself on a CPU.
    """
    import tensorflow as tf

    from .augment import augment_batch

    return tf.concat([augment_batch(x[:n], cfg), x[n:]], axis=0)


def _supcon_loss(emb: Any, labels: Any, temperature: float) -> Any:
    """Supervised-contrastive loss: each photo's other photos of its class are positives.

    Written in ``keras.ops``, so any Keras backend can train with it
    (``bench/gpu_scaling.py`` runs it on JAX).
    """
    from keras import ops

    eye = ops.eye(ops.shape(emb)[0])
    logits = ops.matmul(emb, ops.transpose(emb)) / temperature - 1e9 * eye
    pos = ops.cast(ops.equal(labels[:, None], labels[None, :]), "float32") - eye
    logp = logits - ops.logsumexp(logits, axis=1, keepdims=True)
    has = ops.sum(pos, axis=1)
    per = -ops.sum(pos * logp, axis=1) / ops.maximum(has, 1.0)
    w = ops.cast(has > 0, "float32")
    return ops.sum(per * w) / ops.maximum(ops.sum(w), 1.0)


def _fit_supcon(*, embedder: Any, images: np.ndarray, labels: np.ndarray,
                is_real: np.ndarray, cfg: TrainConfig, epochs: int, steps: int, batch: int,
                schedule: Any, rng: np.random.Generator, on_epoch: Callable) -> None:
    """Train with P classes x K photos per batch and the supervised-contrastive loss."""
    import keras
    import tensorflow as tf

    k = max(2, min(cfg.photos_per_class, batch))
    p = max(2, batch // k)
    by_class = [np.flatnonzero(labels == c) for c in range(int(labels.max()) + 1)]
    classes = np.array([c for c, ix in enumerate(by_class) if len(ix)])
    p = min(p, len(classes))
    real_cls = np.array([c for c in classes if is_real[by_class[c][0]]])
    synth_cls = np.array([c for c in classes if not is_real[by_class[c][0]]])
    p_real = int(round(p * cfg.real_class_share)) if len(real_cls) and len(synth_cls) else 0
    p_real = min(p_real, len(real_cls), p - 1)

    def pick_classes() -> np.ndarray:
        if not p_real:
            return rng.choice(classes, size=p, replace=False)
        return np.concatenate([rng.choice(real_cls, size=p_real, replace=False),
                               rng.choice(synth_cls, size=min(p - p_real, len(synth_cls)),
                                          replace=False)])
    opt = keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay)
    aug_cfg = _mild_augment()
    augment = cfg.augment

    @tf.function
    def step(x: Any, y: Any, n_aug: Any) -> Any:
        xf = tf.cast(x, tf.float32) / 255.0
        if augment:
            xf = _augment_head(xf, n_aug, aug_cfg)
        with tf.GradientTape() as tape:
            emb = embedder(xf, training=True)
            loss = _supcon_loss(emb, y, cfg.temperature)
        grads = tape.gradient(loss, embedder.trainable_variables)
        opt.apply_gradients(zip(grads, embedder.trainable_variables, strict=True))
        return loss

    for epoch in range(epochs):
        losses = []
        for _ in range(steps):
            pick = pick_classes()
            idx = np.concatenate([rng.choice(by_class[c], size=k, replace=len(by_class[c]) < k)
                                  for c in pick])
            if cfg.augment_synthetic:
                n_aug = len(idx)
            else:
                idx = idx[np.argsort(~is_real[idx], kind="stable")]  # real photos first
                n_aug = int(is_real[idx].sum())
            losses.append(float(step(tf.constant(images[idx]),
                                     tf.constant(labels[idx].astype(np.int32)),
                                     tf.constant(n_aug, tf.int32))))
        on_epoch(epoch, {"loss": float(np.mean(losses))})


def train(*, data_dirs: Sequence[str | Path] = (), synthetic_individuals: int = 0,
          epochs: int = 10, out_path: str | Path, seed: int = 0,
          progress_callback: ProgressCallback | None = None,
          config: TrainConfig | None = None, checkpoint_dir: str | Path | None = None,
          verbose: bool = True) -> TrainResult:
    """Train an embedder and save it (``.keras`` + metadata + TFLite) to ``out_path``.

    ``progress_callback(epoch, total_epochs, metrics)`` is called after every epoch.
    Returns a ``TrainResult`` with the loss history and held-out validation figures.
    """
    import keras

    from .model import (
        ModelMetadata,
        build_embedder,
        build_training_model,
        recalibrate_batchnorm,
        save_model,
    )

    cfg = config or TrainConfig()
    t0 = time.time()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    size = cfg.input_size
    log = _log if verbose else (lambda _m: None)

    class_names: list[str] = []
    chunks: list[np.ndarray] = []
    label_chunks: list[np.ndarray] = []
    repeats: list[int] = []
    hold_vectors_src: list[tuple[np.ndarray, list[str], str]] = []
    descriptions: list[str] = []
    for root in map(Path, data_dirs):
        items = scan_dataset(root)
        if not items:
            raise ValueError(f"no images in {root}")
        tr, hold = _split_real(items, share=cfg.holdout_real_share, rng=rng)
        keys = sorted({_class_key(root, it) for it in tr})
        offset = len(class_names)
        class_names.extend(keys)
        lookup = {k: offset + i for i, k in enumerate(keys)}
        log(f"loading {len(tr)} train + {len(hold)} held-out images from {root}")
        chunks.append(load_images([it.path for it in tr], size=size, as_uint8=True))
        label_chunks.append(np.array([lookup[_class_key(root, it)] for it in tr], np.int64))
        repeats.append(cfg.real_repeat)
        if hold:
            hold_vectors_src.append((
                load_images([it.path for it in hold], size=size, as_uint8=True),
                [_class_key(root, it) for it in hold], root.name))
        descriptions.append(f"{root.name}: {len(tr)} images of {len(keys)} classes")
    if synthetic_individuals:
        seeds = [SYNTH_TRAIN_BASE + seed * 100_000 + i for i in range(synthetic_individuals)]
        log(f"rendering {synthetic_individuals} synthetic individuals x {cfg.synthetic_photos}")
        imgs, labs = _render_synthetic(seeds=seeds, photos=cfg.synthetic_photos, size=size,
                                       cfg=cfg)
        offset = len(class_names)
        class_names.extend(f"synthetic/{s}" for s in seeds)
        chunks.append(imgs)
        label_chunks.append(labs + offset)
        repeats.append(1)
        descriptions.append(f"synthetic fins: {synthetic_individuals} individuals x "
                            f"{cfg.synthetic_photos} photos (seeds from {seeds[0]})")
    if cfg.holdout_synthetic:
        hs = [SYNTH_HOLDOUT_BASE + seed * 100_000 + i for i in range(cfg.holdout_synthetic)]
        himgs, hlabs = _render_synthetic(seeds=hs, photos=5, size=size, cfg=cfg)
        hold_vectors_src.append((himgs, [f"synthetic/{hs[i]}" for i in hlabs], "synthetic"))
    if not chunks:
        raise ValueError("no training data: give data_dirs or synthetic_individuals")

    images = np.concatenate(chunks)
    labels = np.concatenate(label_chunks)
    is_real = np.concatenate([np.full(len(c), i < len(chunks) - int(bool(synthetic_individuals)))
                              for i, c in enumerate(chunks)])
    index_parts, start = [], 0
    for chunk, rep in zip(chunks, repeats, strict=True):
        index_parts.append(np.tile(np.arange(start, start + len(chunk)), rep))
        start += len(chunk)
    index = np.concatenate(index_parts)
    batch = min(cfg.batch_size, len(index))
    steps = max(1, len(index) // batch)
    log(f"{len(images)} images, {len(class_names)} classes, {steps} steps/epoch x {epochs}")

    embedder = build_embedder(input_size=size, embedding_dim=cfg.embedding_dim,
                              width=cfg.width, seed=seed)
    model = build_training_model(embedder=embedder, n_classes=len(class_names),
                                 margin=cfg.margin, scale=cfg.scale, subcenters=cfg.subcenters)
    total = steps * epochs
    warm = min(steps, total // 10 + 1)
    schedule = keras.optimizers.schedules.CosineDecay(
        cfg.learning_rate * 0.1, decay_steps=max(1, total - warm), alpha=0.02,
        warmup_target=cfg.learning_rate, warmup_steps=warm)
    history: list[dict[str, float]] = []

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            metrics = {k: float(v) for k, v in (logs or {}).items()}
            metrics["seconds"] = round(time.time() - t0, 1)
            history.append(metrics)
            log(f"epoch {epoch + 1}/{epochs} " + " ".join(
                f"{k}={v:.4g}" for k, v in metrics.items()))
            if checkpoint_dir is not None:
                ck = Path(checkpoint_dir)
                ck.mkdir(parents=True, exist_ok=True)
                embedder.save(ck / "embedder-last.keras")
            if progress_callback is not None:
                progress_callback(epoch + 1, epochs, metrics)

    if cfg.loss == "supcon":
        progress = Progress()
        _fit_supcon(embedder=embedder, images=images, labels=labels, is_real=is_real, cfg=cfg,
                    epochs=epochs, steps=steps, batch=batch, schedule=schedule, rng=rng,
                    on_epoch=progress.on_epoch_end)
    else:
        model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
        ds = _dataset(images, labels, index, batch=batch, seed=seed, augment=cfg.augment)
        model.fit(ds, epochs=epochs, steps_per_epoch=steps, verbose=0, callbacks=[Progress()])
    # Running BatchNorm statistics lag the weights: re-estimate them on clean photos.
    pick = rng.permutation(len(images))[: batch * 16]
    recalibrate_batchnorm(embedder, [images[pick[i:i + batch]].astype(np.float32) / 255.0
                                     for i in range(0, len(pick), batch)])

    metrics: dict[str, Any] = {"train_loss": history[-1]["loss"] if history else None}
    calibration = None
    if hold_vectors_src:
        vecs, labs_all, groups = [], [], []
        for imgs, labs, group in hold_vectors_src:
            vecs.append(embedder.predict(imgs.astype(np.float32) / 255.0, batch_size=128,
                                         verbose=0))
            labs_all.extend(labs)
            groups.extend([group] * len(labs))
        top1, margin, is_new, _ = _calibration_examples(np.concatenate(vecs), labs_all, groups)
        for group in sorted(set(groups)):
            gi = [i for i, g in enumerate(groups) if g == group]
            _, _, _, acc = _calibration_examples(np.concatenate(vecs)[gi],
                                                 [labs_all[i] for i in gi], [group] * len(gi))
            metrics[f"heldout_top1_{group}"] = round(acc, 4)
        if len(np.unique(is_new)) == 2:
            calibration = fit_calibration(top1=top1, margin=margin, is_new=is_new)
            metrics["calibration_examples"] = int(len(is_new))
    meta = ModelMetadata(
        name=cfg.name, version=cfg.version, input_size=size, embedding_dim=cfg.embedding_dim,
        training_data="; ".join(descriptions),
        trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        metrics=metrics,
        extra={"epochs": epochs, "seed": seed, "classes": len(class_names),
               "margin": cfg.margin, "scale": cfg.scale, "loss": cfg.loss,
               "temperature": cfg.temperature, "synthetic_photos": cfg.synthetic_photos,
               "synthetic_render_size": cfg.synthetic_render_size,
               "batch_size": batch,
               "learning_rate": cfg.learning_rate, "train_images": int(len(images))})
    if calibration is not None:
        meta.calibration = calibration
    out = save_model(embedder, out_path, metadata=meta)
    seconds = time.time() - t0
    log(f"saved {out} after {seconds:.0f}s; metrics {metrics}")
    return TrainResult(out_path=out, epochs=epochs, seconds=seconds, n_classes=len(class_names),
                       n_train_images=int(len(images)), history=history, metrics=metrics)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(prog="python -m dois.ml.train", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output .keras path")
    ap.add_argument("--data", action="append", default=[], help="folder-per-individual dataset")
    ap.add_argument("--synthetic", type=int, default=0, help="synthetic individuals")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=int, default=TrainConfig.input_size, help="input size")
    ap.add_argument("--batch", type=int, default=TrainConfig.batch_size)
    ap.add_argument("--loss", default=TrainConfig.loss, choices=["arcface", "supcon"])
    ap.add_argument("--synthetic-photos", type=int, default=TrainConfig.synthetic_photos)
    ap.add_argument("--checkpoints", default=None, help="folder for per-epoch checkpoints")
    ap.add_argument("--threads", type=int, default=0, help="TF intra-op threads (0: auto)")
    args = ap.parse_args(argv)
    if args.threads:
        from .model import set_threads

        set_threads(intra_op=args.threads, inter_op=max(1, math.ceil(args.threads / 2)))
    cfg = TrainConfig(input_size=args.size, batch_size=args.batch, loss=args.loss,
                      synthetic_photos=args.synthetic_photos)
    res = train(data_dirs=args.data, synthetic_individuals=args.synthetic, epochs=args.epochs,
                out_path=args.out, seed=args.seed, config=cfg, checkpoint_dir=args.checkpoints)
    print(f"trained {res.epochs} epochs in {res.seconds:.0f}s -> {res.out_path}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
