"""Trailing-edge matching: alignment, vectors, ranking, new-individual probability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from dois.ml.edges import (
    EDGE_METHOD_VERSION,
    EdgeGallery,
    align_edges,
    distance_to_score,
    edge_vectors,
    fit_new_individual_calibration,
    new_individual_probability,
)
from dois.ml.evaluate import evaluate_edges
from dois.ml.outline import normalise_edge
from dois.ml.synth import fin_shape, render_scene, view_edge


def _edge(seed: int, rng: np.random.Generator | None = None) -> np.ndarray:
    trail = fin_shape(individual_seed=seed).trailing
    return normalise_edge(view_edge(trail, rng) if rng is not None else trail, share=1.0)


def test_alignment_recovers_a_known_rotation_scale_and_shift():
    q = _edge(3)
    angle, scale, shift = math.radians(12), 1.25, np.array([0.06, -0.04])
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    g = scale * q @ rot.T + shift
    d, s, r, t = align_edges(q, g[None], return_transform=True)
    assert d[0] < 1e-3
    assert s[0] == pytest.approx(scale, rel=0.02)
    assert math.atan2(r[0, 1, 0], r[0, 0, 0]) == pytest.approx(angle, abs=math.radians(1))
    assert t[0] == pytest.approx(shift, abs=0.01)
    # Unrelated edges stay far apart after alignment.
    assert align_edges(q, _edge(4)[None])[0] > 20 * d[0]


def test_trimming_ignores_a_splash_on_part_of_the_edge():
    q = _edge(5)
    splashed = q.copy()
    splashed[40:46, 0] += 0.08  # a bump on 6 of 64 points
    other = _edge(6)
    with_trim = align_edges(splashed, np.stack([q, other]), trim=0.1)
    without = align_edges(splashed, np.stack([q, other]), trim=0.0)
    assert with_trim[0] < 0.5 * without[0]
    assert with_trim[0] < with_trim[1]


def _photo(seed: int, rng: np.random.Generator) -> np.ndarray:
    """Another photo's edge: rotated, scaled, shifted and traced with a little noise."""
    e = normalise_edge(fin_shape(individual_seed=seed).trailing)
    a = rng.normal(0, math.radians(5))
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return rng.uniform(0.85, 1.15) * e @ rot.T + rng.normal(0, 0.03, 2) + rng.normal(
        0, 0.002, e.shape)


def test_gallery_ranks_individuals_by_their_best_photo():
    rng = np.random.default_rng(0)
    seeds = list(range(100, 130))
    edges, labels, ids = [], [], []
    for s in seeds:
        for p in range(3):
            edges.append(_photo(s, rng))
            labels.append(f"ind{s}")
            ids.append(s * 10 + p)
    gallery = EdgeGallery(np.stack(edges), labels, photo_ids=ids, shortlist=40, rerank=15)
    hits = 0
    for s in seeds:
        cands = gallery.search(_photo(s, rng), k=5)
        assert len(cands) == 5
        assert len({c.label for c in cands}) == 5  # one entry per individual
        assert [c.distance for c in cands] == sorted(c.distance for c in cands)
        best = cands[0]
        assert labels[best.photo_index] == best.label and ids[best.photo_index] == best.photo_id
        assert best.score == pytest.approx(float(distance_to_score(best.distance)))
        hits += best.label == f"ind{s}"
    assert hits >= 27  # 90 % of 30 new photos of 30 individuals (chance: 3 %)


def test_exclude_leaves_a_photo_out():
    e = np.stack([_edge(1), _edge(2)])
    gallery = EdgeGallery(e, ["a", "b"])
    assert gallery.search(e[0], k=2)[0].label == "a"
    assert gallery.search(e[0], k=2, exclude=[0])[0].label == "b"
    assert EdgeGallery(np.zeros((0, 64, 2)), []).search(e[0]) == []


def test_vectors_are_unit_length_and_alike_for_the_same_fin():
    rng = np.random.default_rng(1)
    a, b, c = _edge(7, rng), _edge(7, rng), _edge(8, rng)
    v = edge_vectors(np.stack([a, b, c]))
    assert v.shape[0] == 3 and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_new_individual_probability():
    cal = {"w_log_distance": 3.0, "w_log_ratio": 0.0, "bias": 15.0}
    near = new_individual_probability(distance=0.001, calibration=cal)
    far = new_individual_probability(distance=0.02, calibration=cal)
    assert 0 <= near < far <= 1
    assert new_individual_probability([], calibration=cal) == 1.0
    rng = np.random.default_rng(2)
    known = np.exp(rng.normal(np.log(0.002), 0.3, 200))
    new = np.exp(rng.normal(np.log(0.006), 0.3, 200))
    fitted = fit_new_individual_calibration(distance=np.r_[known, new],
                                            is_new=np.r_[np.zeros(200), np.ones(200)])
    p_known = new_individual_probability(distance=known, calibration=fitted)
    p_new = new_individual_probability(distance=new, calibration=fitted)
    assert np.mean(p_known < 0.5) > 0.9 and np.mean(p_new > 0.5) > 0.9
    with pytest.raises(ValueError):
        fit_new_individual_calibration(distance=known, is_new=np.zeros(200))


def test_evaluate_edges_on_a_tiny_synthetic_catalogue(tmp_path):
    for ind in range(3):
        for photo in range(3):
            s = render_scene(seed=ind * 100 + photo, individual_seed=500 + ind,
                             photo_seed=photo, long_side=256)
            folder = tmp_path / "cat" / f"fin{ind}"
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(s.image).save(folder / f"{photo}.jpg", quality=92)
    (tmp_path / "unknown").mkdir()
    Image.fromarray(np.full((64, 64, 3), 90, np.uint8)).save(tmp_path / "unknown" / "blank.jpg")
    m = evaluate_edges(dataset=tmp_path / "cat", unknown=tmp_path / "unknown")
    assert m["method"] == "edge" and m["n_queries"] == 9 and m["n_individuals"] == 3
    assert 0.0 <= m["outline_found"] <= 1.0 and 0.0 <= m["top1"] <= 1.0
    assert m["unknown_outline_found"] == 0.0  # a blank image has no fin
    low, high = m["top1_ci95"]
    assert low <= m["top1"] <= high and high - low > 0.1  # 9 queries: a wide interval
    assert sum(m["confusions"].values()) == round((1 - m["top1"]) * 9)
    assert EDGE_METHOD_VERSION.startswith("edge-")


def test_shipped_encoder_and_the_fixed_descriptor():
    from dois.ml.edges import default_encoder

    rng = np.random.default_rng(4)
    e = np.stack([_edge(9, rng), _edge(9, rng), _edge(10, rng)])
    learnt = edge_vectors(e)
    fixed = edge_vectors(e, encoder="descriptor")
    assert default_encoder() is not None and learnt.shape == (3, 64)
    assert fixed.shape[1] != learnt.shape[1]
    for v in (learnt, fixed):
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    with pytest.raises(ValueError):
        edge_vectors(e, encoder="nonsense")


@pytest.mark.slow
def test_edge_encoder_trains_and_exports(tmp_path):
    from dois.ml.edge_encoder import EdgeEncoder, train_encoder

    out = tmp_path / "enc.keras"
    meta = train_encoder(out=out, individuals=80, views=4, steps=3, p=16, k=2)
    assert out.with_suffix(".tflite").is_file() and meta["recipe"]["steps"] == 3
    v = EdgeEncoder(out).encode(np.stack([_edge(1), _edge(2)]))
    assert v.shape == (2, 64) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
