"""Model: save and load give identical embeddings; bad files raise ModelLoadError."""

from __future__ import annotations

import numpy as np
import pytest

from dois.ml.model import (
    Embedder,
    ModelLoadError,
    ModelMetadata,
    build_embedder,
    build_training_model,
    load_embedder,
    load_metadata,
    save_model,
)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = build_embedder(input_size=32, embedding_dim=16, width=0.5, seed=1)
    path = tmp_path_factory.mktemp("model") / "m.keras"
    meta = ModelMetadata(name="test", version="t1", new_individual_threshold=0.4)
    save_model(model, path, metadata=meta)
    return model, path


def test_embeddings_are_unit_vectors(saved):
    model, _ = saved
    x = np.random.default_rng(0).random((3, 32, 32, 3), dtype=np.float32)
    out = model.predict(x, verbose=0)
    assert out.shape == (3, 16)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


def test_save_and_load_give_identical_embeddings(saved):
    model, path = saved
    x = np.random.default_rng(1).random((4, 32, 32, 3), dtype=np.float32)
    want = model.predict(x, verbose=0)
    loaded = load_embedder(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, atol=1e-6)
    tf_emb = Embedder(path, backend="tf")
    np.testing.assert_allclose(tf_emb.embed(x), want, atol=1e-5)
    assert tf_emb.backend == "tf"
    lite = Embedder(path, backend="tflite")
    np.testing.assert_allclose(lite.embed(x), want, atol=1e-4)
    np.testing.assert_allclose(lite.embed(x[:1]), want[:1], atol=1e-4)  # batch size change
    assert lite.backend == "tflite"


def test_metadata_round_trip(saved):
    _, path = saved
    meta = load_metadata(path)
    assert (meta.name, meta.version, meta.input_size, meta.embedding_dim) == ("test", "t1", 32, 16)
    assert meta.new_individual_threshold == 0.4
    emb = Embedder(path)
    assert emb.input_size == 32 and emb.embedding_dim == 16


def test_embedder_is_lazy_and_checks_shapes(saved):
    _, path = saved
    emb = Embedder(path)
    assert emb.backend is None  # nothing loaded until first use
    with pytest.raises(ValueError, match="expected"):
        emb.embed(np.zeros((1, 20, 20, 3), np.float32))
    assert emb.embed(np.zeros((0, 32, 32, 3), np.float32)).shape == (0, 16)


def test_missing_model_file_raises(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        load_embedder(tmp_path / "nope.keras")
    with pytest.raises(ModelLoadError, match="not found"):
        Embedder(tmp_path / "nope.keras")


def test_corrupt_model_file_raises(tmp_path, saved):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ModelLoadError, match="unreadable"):
        load_embedder(bad)
    truncated = tmp_path / "trunc.keras"
    truncated.write_bytes(saved[1].read_bytes()[:2000])
    with pytest.raises(ModelLoadError):
        load_embedder(truncated)


def test_training_model_gives_margin_logits():
    emb = build_embedder(input_size=32, embedding_dim=8, width=0.5, seed=2)
    model = build_training_model(embedder=emb, n_classes=5, margin=0.5, scale=10.0)
    x = np.random.default_rng(2).random((2, 32, 32, 3), dtype=np.float32)
    y = np.array([1, 3], np.int32)
    logits = np.asarray(model([x, y]))
    head = model.get_layer("arcface")
    cos = np.asarray(head.cosine(emb(x)))
    assert logits.shape == (2, 5)
    # The true class's logit is penalised by the angular margin; the others are s * cos.
    assert logits[0, 1] < 10 * cos[0, 1]
    np.testing.assert_allclose(logits[0, [0, 2, 3, 4]], 10 * cos[0, [0, 2, 3, 4]], rtol=1e-4)


def test_recalibrated_batchnorm_matches_batch_statistics():
    from dois.ml.model import recalibrate_batchnorm

    emb = build_embedder(input_size=32, embedding_dim=8, width=0.5, seed=4, dropout=0.3)
    x = np.random.default_rng(4).random((16, 32, 32, 3), dtype=np.float32)
    assert recalibrate_batchnorm(emb, [x]) == 1
    assert emb.get_layer("drop").rate == 0.3  # restored after the pass
    emb.get_layer("drop").rate = 0.0  # compare without dropout noise
    np.testing.assert_allclose(np.asarray(emb(x, training=False)),
                               np.asarray(emb(x, training=True)), atol=2e-3)
