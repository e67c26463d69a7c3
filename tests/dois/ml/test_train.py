"""A tiny training run writes a model that loads and embeds."""

from __future__ import annotations

import numpy as np

from dois.ml.model import Embedder, load_metadata
from dois.ml.synth import write_dataset
from dois.ml.train import TrainConfig, train


def test_tiny_training_run_writes_loadable_model(tmp_path):
    data = tmp_path / "data"
    write_dataset(root=data, n_individuals=3, photos_per_individual=3, seed=4, size=48)
    calls = []
    cfg = TrainConfig(input_size=32, batch_size=8, holdout_synthetic=6, width=0.5)
    out = tmp_path / "model" / "tiny.keras"
    result = train(data_dirs=[data], synthetic_individuals=3, epochs=1, out_path=out, seed=3,
                   config=cfg, progress_callback=lambda e, t, m: calls.append((e, t, m)),
                   checkpoint_dir=tmp_path / "ck", verbose=False)
    assert result.out_path == out and out.is_file()
    assert result.n_classes == 6
    assert calls and calls[-1][:2] == (1, 1) and "loss" in calls[-1][2]
    assert (tmp_path / "ck" / "embedder-last.keras").is_file()
    meta = load_metadata(out)
    assert meta.input_size == 32
    assert set(meta.calibration) == {"w_score", "w_margin", "bias"}
    assert "synthetic" in meta.training_data
    vecs = Embedder(out).embed(np.random.default_rng(0).random((2, 32, 32, 3), np.float32))
    assert vecs.shape == (2, meta.embedding_dim)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-4)


def test_augment_head_changes_only_the_first_images():
    import tensorflow as tf

    from dois.ml.augment import AugmentConfig
    from dois.ml.train import _augment_head

    x = tf.constant(np.random.default_rng(1).random((5, 24, 24, 3), np.float32))
    cfg = AugmentConfig(noise=0.05)
    out = _augment_head(x, tf.constant(2), cfg).numpy()
    assert out.shape == (5, 24, 24, 3)
    np.testing.assert_array_equal(out[2:], x.numpy()[2:])
    assert not np.allclose(out[:2], x.numpy()[:2])
    np.testing.assert_array_equal(_augment_head(x, tf.constant(0), cfg).numpy(), x.numpy())


def test_tiny_supcon_run_mixes_real_and_synthetic_photos(tmp_path):
    data = tmp_path / "data"
    write_dataset(root=data, n_individuals=4, photos_per_individual=3, seed=5, size=48)
    cfg = TrainConfig(input_size=32, batch_size=8, holdout_synthetic=0, width=0.5,
                      loss="supcon", photos_per_class=2, real_class_share=0.5)
    result = train(data_dirs=[data], synthetic_individuals=4, epochs=2,
                   out_path=tmp_path / "sc.keras", seed=1, config=cfg, verbose=False)
    assert result.n_classes == 8
    losses = [h["loss"] for h in result.history]
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert load_metadata(result.out_path).extra["loss"] == "supcon"
