"""Evaluation metrics on hand-made cases, and the evaluation of a tiny folder dataset."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dois.ml.evaluate import (
    confusions,
    evaluate_dataset,
    proportion_interval,
    ranking_metrics,
    roc_auc,
)
from dois.ml.model import ModelMetadata


def test_ranking_metrics_hand_made():
    ranked = [
        ["a", "b", "c"],            # correct at rank 1
        ["b", "a", "c"],            # rank 2
        ["x", "y", "z", "w", "c"],  # rank 5
        ["x", "y", "z", "w", "v", "d"],  # rank 6: outside the top 5
    ]
    truth = ["a", "a", "c", "d"]
    m = ranking_metrics(ranked=ranked, truth=truth)
    assert m["top1"] == pytest.approx(0.25)
    assert m["top5"] == pytest.approx(0.75)
    assert m["map5"] == pytest.approx((1 + 0.5 + 0.2 + 0) / 4)


def test_roc_auc_hand_made():
    assert roc_auc(positives=np.array([0.9, 0.8]), negatives=np.array([0.1, 0.2])) == 1.0
    assert roc_auc(positives=np.array([0.1]), negatives=np.array([0.9])) == 0.0
    assert roc_auc(positives=np.array([0.5, 0.9]), negatives=np.array([0.5, 0.1])) == \
        pytest.approx(0.875)
    assert roc_auc(positives=np.array([]), negatives=np.array([0.1])) is None


class ColourEmbedder:
    """A stand-in embedder: the vector is the image's mean colour (plus a constant)."""

    input_size = 16
    embedding_dim = 4
    backend = "fake"

    def __init__(self) -> None:
        self.metadata = ModelMetadata(
            input_size=16, embedding_dim=4,
            calibration={"w_score": -40.0, "w_margin": 0.0, "bias": 38.0})

    def embed(self, batch: np.ndarray) -> np.ndarray:
        mean = batch.mean(axis=(1, 2)) - 0.5
        v = np.concatenate([mean, np.full((len(batch), 1), 0.05)], axis=1)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _write(path, colour) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (20, 20), colour).save(path)


def test_leave_one_out_with_sides_and_distractors(tmp_path):
    _write(tmp_path / "ind1" / "a_left.png", (250, 0, 0))
    _write(tmp_path / "ind1" / "b_left.png", (240, 10, 0))
    _write(tmp_path / "ind1" / "c_right.png", (0, 0, 250))   # only right photo of ind1
    _write(tmp_path / "ind2" / "a_right.png", (0, 250, 0))
    _write(tmp_path / "ind2" / "b_right.png", (10, 240, 0))
    _write(tmp_path / "ind3" / "a_left.png", (245, 5, 0))    # single image: distractor
    m = evaluate_dataset(dataset=tmp_path, embedder=ColourEmbedder())
    # Queries: ind1 left x2 (ind3 is a near-identical distractor), ind2 right x2.
    assert m["n_queries"] == 4
    assert m["n_individuals"] == 3
    assert m["top5"] == 1.0
    assert m["top1"] >= 0.5
    assert 0.5 <= m["map5"] <= 1.0


def test_gallery_query_split_and_unknowns(tmp_path):
    colours = {"r": (250, 0, 0), "g": (0, 250, 0), "b": (0, 0, 250)}
    for name, c in colours.items():
        _write(tmp_path / "data" / "gallery" / name / "0.png", c)
        _write(tmp_path / "data" / "query" / name / "0.png", tuple(max(0, v - 10) for v in c))
    _write(tmp_path / "unknown" / "u1.png", (250, 250, 0))
    _write(tmp_path / "unknown" / "u2.png", (0, 250, 250))
    m = evaluate_dataset(dataset=tmp_path / "data", embedder=ColourEmbedder(),
                         unknown=tmp_path / "unknown")
    assert m["n_queries"] == 3
    assert m["top1"] == 1.0 and m["map5"] == 1.0
    assert m["n_unknown"] == 2
    assert m["unknown_auc"] == 1.0
    assert m["unknown_flagged"] == 1.0
    assert m["known_flagged"] == 0.0


def test_proportion_interval_matches_the_wilson_formula():
    low, high = proportion_interval(successes=18, n=24)
    assert low == pytest.approx(0.551, abs=1e-3) and high == pytest.approx(0.880, abs=1e-3)
    assert proportion_interval(successes=0, n=10)[0] == 0.0
    assert proportion_interval(successes=10, n=10)[1] == pytest.approx(1.0)
    assert proportion_interval(successes=0, n=0) is None
    wide, narrow = proportion_interval(successes=3, n=4), proportion_interval(successes=300, n=400)
    assert wide[1] - wide[0] > narrow[1] - narrow[0]
    with pytest.raises(ValueError):
        proportion_interval(successes=5, n=4)


def test_confusions_count_wrong_first_places():
    ranked = [["a", "b"], ["b", "a"], ["b", "a"], ["a"], []]
    truth = ["a", "a", "a", "b", "c"]
    assert confusions(ranked=ranked, truth=truth) == {"a -> b": 2, "b -> a": 1, "c -> none": 1}
    assert confusions(ranked=[["a"]], truth=["a"]) == {}
