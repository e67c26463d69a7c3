"""The board's figures are ``python -m dois.ml.evaluate``'s figures on the same data."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from dois.leaderboard_metrics import BOARD_CALIBRATION, EvalItem, board_metrics
from dois.ml.datasets import scan_dataset, scan_flat
from dois.ml.evaluate import evaluate_dataset
from dois.ml.preprocess import load_images


class PoolingEmbedder:
    """A deterministic stand-in embedder: 2 x 2 average colours of the image."""

    input_size = 8
    embedding_dim = 12
    metadata = SimpleNamespace(calibration=BOARD_CALIBRATION, new_individual_threshold=0.5)

    def embed(self, batch: np.ndarray) -> np.ndarray:
        b = np.asarray(batch, np.float32)
        pooled = b.reshape(len(b), 2, 4, 2, 4, 3).mean(axis=(2, 4))
        return pooled.reshape(len(b), 12) - 0.5


def _write(folder, name: str, colour, rng) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pixels = np.clip(np.array(colour, np.float32)[None, None, :] * 255
                     + rng.normal(0, 40, (16, 16, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(folder / name)


@pytest.fixture
def dataset(tmp_path):
    rng = np.random.default_rng(5)
    root, unknown = tmp_path / "data", tmp_path / "unknown"
    for i in range(6):
        colour = rng.uniform(0.1, 0.9, 3)
        for k in range(1 + i % 3):  # 1, 2 or 3 photos: singles stay in as distractors
            side = "left" if k % 2 == 0 else "right"
            _write(root / f"ind{i}", f"p{k}_{side}.png", colour, rng)
    for j in range(4):
        _write(unknown, f"u{j}_{'left' if j % 2 == 0 else 'right'}.png",
               rng.uniform(0.1, 0.9, 3), rng)
    return root, unknown


def test_board_metrics_equal_evaluate_dataset_on_the_same_photos(dataset):
    root, unknown = dataset
    embedder = PoolingEmbedder()
    expected = evaluate_dataset(dataset=root, embedder=embedder, unknown=unknown)

    known_items, unknown_items = scan_dataset(root), scan_flat(unknown)
    paths = [it.path for it in known_items + unknown_items]
    vectors = embedder.embed(load_images(paths, size=embedder.input_size))
    items = ([EvalItem(label=it.individual, side=it.side, query=True, held_out=False)
              for it in known_items]
             + [EvalItem(label=it.individual, side=it.side, query=True, held_out=True)
                for it in unknown_items])
    got = board_metrics(vectors=vectors, items=items)

    assert expected["n_queries"] > 0 and expected["unknown_auc"] is not None
    for key in ("top1", "top5", "map5", "n_queries", "unknown_auc"):
        assert got[key] == pytest.approx(expected[key]), key
    assert got["n_unknown"] == expected["n_unknown"] == 4


def test_only_evaluation_split_photos_are_queries_and_the_rest_is_gallery():
    """Train photos are in the gallery, never queried; a query is never its own match."""
    vectors = np.array([[1, 0], [1, 0.05], [0, 1], [0.05, 1], [0.7, 0.7]], np.float32)
    items = [EvalItem("a", None, query=True, held_out=False),
             EvalItem("a", None, query=False, held_out=False),
             EvalItem("b", None, query=False, held_out=False),
             EvalItem("b", None, query=True, held_out=False),
             EvalItem("c", None, query=True, held_out=True)]
    got = board_metrics(vectors=vectors, items=items)
    assert got["n_queries"] == 2 and got["top1"] == 1.0 and got["map5"] == 1.0
    assert got["n_gallery"] == 4 and got["n_unknown"] == 1
    assert got["unknown_auc"] == 1.0  # the unknown is less similar than both known queries
    assert got["calibration"] is not None  # a promoted model serves with this


def test_a_useless_model_scores_low():
    vectors = np.ones((6, 4), np.float32)  # every photo looks the same
    items = [EvalItem(label, None, query=True, held_out=False)
             for label in ("a", "a", "b", "b", "c", "c")]
    got = board_metrics(vectors=vectors, items=items)
    assert got["n_queries"] == 6 and got["map5"] < 1.0
