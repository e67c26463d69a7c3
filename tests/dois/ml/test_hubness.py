"""The ranking's hubness correction: a fin close to many others is ranked down."""

from __future__ import annotations

import numpy as np

from dois.ml.edges import HUB_CLIP, HUB_TOP, EdgeGallery
from dois.ml.outline import normalise_edge
from dois.ml.synth import fin_shape


def _edge(seed: int) -> np.ndarray:
    return normalise_edge(fin_shape(individual_seed=seed).trailing)


def _near(edge: np.ndarray, rng: np.random.Generator, noise: float = 0.002) -> np.ndarray:
    return edge + rng.normal(0, noise, edge.shape)


def _between(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return (1 - t) * a + t * b


def test_a_fin_close_to_many_others_loses_to_an_equally_close_distinct_one():
    rng = np.random.default_rng(3)
    hub, marked = _edge(11), _edge(12)
    query = _between(hub, marked, 0.47)  # a little nearer the hub
    # Control: with only the two of them, the nearer one wins.
    alone = EdgeGallery(np.stack([hub, marked]), ["hub", "marked"])
    assert alone.search(query, k=2)[0].label == "hub"
    # With four other animals whose fins look like the hub's, the hub and its look-alikes
    # are close to everything near them; the distinct fin is ranked first.
    crowd = [_near(hub, rng) for _ in range(4)]
    gallery = EdgeGallery(np.stack([hub, marked, *crowd]),
                          ["hub", "marked", "a", "b", "c", "d"])
    short, dist = gallery.photo_distances(query)
    raw = gallery.rank_distances(short, dist, None)
    assert raw[list(short).index(0)] < raw[list(short).index(1)]
    cands = gallery.search(query, k=6)
    assert cands[0].label == "marked"
    assert [c.distance for c in cands] == sorted(c.distance for c in cands)
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)


def test_factors_of_the_unchecked_rest_are_the_largest_checked_one():
    rng = np.random.default_rng(4)
    edges = np.stack([_near(_edge(20 + i % 6), rng, 0.004) for i in range(HUB_TOP + 6)])
    gallery = EdgeGallery(edges, [f"ind{i}" for i in range(len(edges))])
    short = np.arange(len(edges))
    ranked = np.linspace(0.001, 0.01, len(edges))
    f = gallery.hub_factors(short, ranked)
    assert np.all((f >= HUB_CLIP[0]) & (f <= HUB_CLIP[1]))
    top, rest = f[:HUB_TOP], f[HUB_TOP:]
    assert np.all(rest == top.max())
    # so no unchecked photo overtakes a checked one
    assert (ranked * f)[HUB_TOP:].min() >= (ranked * f)[:HUB_TOP].max()


def test_degenerate_shortlists():
    e = _edge(30)
    one = EdgeGallery(e[None], ["a"])
    assert one.hub_factors(np.array([0]), np.array([0.01])).tolist() == [1.0]
    # exact duplicates: a scale of zero is clipped, not a division by zero
    twins = EdgeGallery(np.stack([e, e, e, e]), ["a", "b", "c", "d"])
    f = twins.hub_factors(np.arange(4), np.full(4, 0.01))
    assert np.all(np.isfinite(f)) and np.allclose(f, HUB_CLIP[1])
    assert twins.search(e, k=4)[0].distance < 1e-3
