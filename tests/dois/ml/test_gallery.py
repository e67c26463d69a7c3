"""Gallery search: exact cosine ranking per individual, top-k order, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from dois.ml.gallery import (
    Candidate,
    Gallery,
    fit_calibration,
    new_individual_probability,
    rank_individuals,
    top_features,
)


def _unit(*v: float) -> np.ndarray:
    a = np.array(v, np.float32)
    return a / np.linalg.norm(a)


def test_ranks_individuals_by_their_best_photo():
    vectors = np.stack([
        _unit(1, 0, 0),      # 0: A, exact match
        _unit(0, 1, 0),      # 1: A, far
        _unit(0.9, 0.1, 0),  # 2: B, close
        _unit(0.8, 0.3, 0),  # 3: B
        _unit(0, 0, 1),      # 4: C, far
    ])
    gal = Gallery(vectors, ["A", "A", "B", "B", "C"])
    (cands,) = gal.search(_unit(1, 0, 0), k=5)
    assert [c.label for c in cands] == ["A", "B", "C"]
    assert cands[0] == Candidate("A", pytest.approx(1.0), 0)
    assert cands[1].photo_index == 2
    assert cands[0].score >= cands[1].score >= cands[2].score
    assert gal.n_individuals == 3


def test_top_k_limits_and_orders():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    labels = [i % 10 for i in range(50)]
    gal = Gallery(vectors, labels)
    query = rng.normal(size=(3, 8)).astype(np.float32)
    results = gal.search(query, k=4)
    assert len(results) == 3
    for cands in results:
        assert len(cands) == 4
        scores = [c.score for c in cands]
        assert scores == sorted(scores, reverse=True)
        assert len({c.label for c in cands}) == 4


def test_chunked_search_matches_brute_force():
    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(700, 16)).astype(np.float32)
    labels = rng.integers(0, 40, 700).tolist()
    queries = rng.normal(size=(20, 16)).astype(np.float32)
    gal = Gallery(vectors, labels, chunk_size=64, query_block=7)
    got = gal.search(queries, k=5)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    qn = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    want = rank_individuals(qn @ unit.T, gal.codes, k=5)
    for g, w in zip(got, want, strict=True):
        assert [c.photo_index for c in g] == [i for _, _, i in w]
        np.testing.assert_allclose([c.score for c in g], [s for _, s, _ in w], rtol=1e-5)


def test_exact_when_one_individual_floods_the_top():
    # 200 near-identical photos of A would fill a small candidate pool: B must still appear.
    vectors = np.concatenate([np.tile(_unit(1, 0.01, 0), (200, 1)), _unit(0.5, 0.5, 0)[None]])
    gal = Gallery(vectors, ["A"] * 200 + ["B"])
    (cands,) = gal.search(_unit(1, 0, 0), k=2)
    assert [c.label for c in cands] == ["A", "B"]
    assert cands[1].photo_index == 200


def test_exclude_skips_the_query_photo():
    vectors = np.stack([_unit(1, 0), _unit(0.9, 0.1), _unit(0, 1)])
    gal = Gallery(vectors, ["A", "B", "A"])
    (cands,) = gal.search(vectors[:1], k=2, exclude=[0])
    assert cands[0].label == "B"
    assert cands[1] == Candidate("A", pytest.approx(0.0, abs=1e-6), 2)


def test_empty_gallery_returns_no_candidates():
    gal = Gallery(np.zeros((0, 4), np.float32), [])
    assert gal.search(np.ones((2, 4), np.float32), k=3) == [[], []]


def test_mismatched_labels_rejected():
    with pytest.raises(ValueError, match="labels"):
        Gallery(np.ones((3, 4), np.float32), ["a", "b"])


def test_new_individual_probability_and_calibration():
    rng = np.random.default_rng(3)
    known_top1 = rng.uniform(0.7, 1.0, 200)
    new_top1 = rng.uniform(0.2, 0.6, 200)
    top1 = np.concatenate([known_top1, new_top1])
    margin = np.concatenate([rng.uniform(0.1, 0.4, 200), rng.uniform(0.0, 0.1, 200)])
    is_new = np.r_[np.zeros(200), np.ones(200)]
    cal = fit_calibration(top1=top1, margin=margin, is_new=is_new)
    assert cal["w_score"] < 0
    p_known = new_individual_probability(top1=0.95, margin=0.3, calibration=cal)
    p_new = new_individual_probability(top1=0.3, margin=0.01, calibration=cal)
    assert p_known < 0.1 < 0.9 < p_new
    cands = [Candidate("A", 0.95, 0), Candidate("B", 0.65, 1)]
    assert top_features(cands) == pytest.approx((0.95, 0.30))
    assert new_individual_probability(cands, calibration=cal) == pytest.approx(p_known)
    assert new_individual_probability([], calibration=cal) == 1.0
    arr = new_individual_probability(top1=top1, margin=margin, calibration=cal)
    assert arr.shape == (400,)


def test_excluded_singleton_is_not_a_candidate():
    vectors = np.stack([_unit(1, 0), _unit(0.5, 0.5), _unit(0, 1)])
    gal = Gallery(vectors, ["A", "B", "C"])
    (cands,) = gal.search(vectors[:1], k=5, exclude=[0])
    assert [c.label for c in cands] == ["B", "C"]
    assert all(np.isfinite(c.score) for c in cands)
