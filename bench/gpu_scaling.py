"""How the fin embedder's accuracy grows with training compute (for a GPU machine).

Not part of ``make bench``: it needs Keras 3 on the JAX backend and, to finish in
minutes, a GPU. It trains the shipped network (``dois.ml.model.build_embedder``) with
the shipped loss (supervised-contrastive over P individuals x K photos, temperature
0.1, AdamW, warm-up and cosine decay) on synthetic fins only, then prints one JSON
line: unseen synthetic top-1 (100 individuals x 5 photos, the evaluation seed of
``make model``, leave-one-out), training seconds and the first and last loss.

    KERAS_BACKEND=jax python bench/gpu_scaling.py --ids 4000 --ids-per-batch 64 --steps 20000

``--save PATH`` writes the trained embedder as a ``.keras`` file; it loads under
TensorFlow like any model of ``dois.ml`` (add a ``.json`` sidecar with its input size
to evaluate it with ``python -m dois.ml.evaluate``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def _leave_one_out_top1(vectors: np.ndarray, labels: np.ndarray) -> float:
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    return float(np.mean(labels[np.argmax(sims, axis=1)] == labels))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ids", type=int, default=4000, help="synthetic training individuals")
    ap.add_argument("--photos", type=int, default=8, help="photos per training individual")
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--ids-per-batch", type=int, default=64, help="P of a P x K batch")
    ap.add_argument("--photos-per-batch", type=int, default=4, help="K of a P x K batch")
    ap.add_argument("--size", type=int, default=160)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--processes", type=int, default=min(16, os.cpu_count() or 1))
    ap.add_argument("--save", default=None, help="write the trained embedder here (.keras)")
    args = ap.parse_args(argv)

    import jax
    import jax.numpy as jnp
    import keras

    from dois.ml.make_model import SYNTH_EVAL_SEED
    from dois.ml.model import build_embedder, recalibrate_batchnorm
    from dois.ml.synth import dataset_seeds, render_uploads
    from dois.ml.train import SYNTH_TRAIN_BASE, _supcon_loss

    t0 = time.time()
    ev_x, ev_y = render_uploads(  # make_model's unseen evaluation individuals
        individual_seeds=dataset_seeds(seed=SYNTH_EVAL_SEED, n_individuals=100),
        photos_per_individual=5, size=args.size, processes=args.processes)
    x_all, y_all = render_uploads(
        individual_seeds=[SYNTH_TRAIN_BASE + i for i in range(args.ids)],  # make_model's, seed 0
        photos_per_individual=args.photos, size=args.size, processes=args.processes)
    render_s = time.time() - t0

    model = build_embedder(input_size=args.size, embedding_dim=128, width=args.width, seed=0)
    warm = args.steps // 10 + 1
    schedule = keras.optimizers.schedules.CosineDecay(
        args.lr * 0.1, decay_steps=max(1, args.steps - warm), alpha=0.02,
        warmup_target=args.lr, warmup_steps=warm)
    opt = keras.optimizers.AdamW(schedule, weight_decay=5e-4)
    opt.build(model.trainable_variables)
    trainable = [v.value for v in model.trainable_variables]
    fixed = [v.value for v in model.non_trainable_variables]
    opt_state = [v.value for v in opt.variables]

    def loss_fn(trainable: Any, fixed: Any, x: Any, y: Any) -> Any:
        emb, fixed = model.stateless_call(trainable, fixed, x, training=True)
        return _supcon_loss(emb, y, 0.1), fixed

    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)

    @jax.jit
    def step(trainable: Any, fixed: Any, opt_state: Any, x: Any, y: Any) -> Any:
        (loss, fixed), grads = grad_fn(trainable, fixed, x.astype(jnp.float32) / 255.0, y)
        trainable, opt_state = opt.stateless_apply(opt_state, grads, trainable)
        return loss, trainable, fixed, opt_state

    rng = np.random.default_rng(0)
    by_id = [np.flatnonzero(y_all == c) for c in range(args.ids)]
    images = jnp.asarray(x_all)
    losses: list[float] = []
    t1 = time.time()
    for s in range(args.steps):
        ids = rng.choice(args.ids, size=args.ids_per_batch, replace=False)
        idx = np.concatenate([rng.choice(by_id[c], size=args.photos_per_batch, replace=False)
                              for c in ids])
        loss, trainable, fixed, opt_state = step(trainable, fixed, opt_state, images[idx],
                                                 jnp.asarray(y_all[idx].astype(np.int32)))
        if s == 0 or s == args.steps - 1:
            losses.append(round(float(loss), 4))
    train_s = time.time() - t1
    for var, value in zip(model.trainable_variables, trainable, strict=True):
        var.assign(value)
    for var, value in zip(model.non_trainable_variables, fixed, strict=True):
        var.assign(value)
    pick = np.random.default_rng(1).permutation(len(x_all))[:64 * 16]
    recalibrate_batchnorm(model, [x_all[pick[i:i + 64]].astype(np.float32) / 255.0
                                  for i in range(0, len(pick), 64)])
    vectors = np.concatenate([
        np.asarray(model(ev_x[i:i + 250].astype(np.float32) / 255.0, training=False))
        for i in range(0, len(ev_x), 250)])
    if args.save:
        model.save(args.save)
    print(json.dumps({
        "device": str(jax.devices()[0]), "ids": args.ids, "photos": args.photos,
        "steps": args.steps, "batch": args.ids_per_batch * args.photos_per_batch,
        "width": args.width, "size": args.size, "render_s": round(render_s, 1),
        "train_s": round(train_s, 1), "loss_first_last": losses,
        "synthetic_unseen_top1": round(_leave_one_out_top1(vectors, ev_y), 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
