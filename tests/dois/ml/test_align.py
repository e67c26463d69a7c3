"""Aligning many pairs in one call gives what one call per pair gives."""

from __future__ import annotations

import numpy as np
import pytest

from dois.ml.align import align_edges
from dois.ml.outline import normalise_edge
from dois.ml.synth import fin_shape


def _edges(seeds: range) -> np.ndarray:
    return np.stack([normalise_edge(fin_shape(individual_seed=s).trailing) for s in seeds])


def test_paired_queries_match_one_call_per_pair():
    queries, gallery = _edges(range(40, 46)), _edges(range(50, 56))
    paired = align_edges(queries, gallery)
    single = [align_edges(q, g[None])[0] for q, g in zip(queries, gallery, strict=True)]
    assert paired == pytest.approx(single, rel=1e-9, abs=1e-12)
    coarse = {"n": 32, "iterations": 4, "stretches": (1.0,)}
    half_q, half_g = queries[:, ::2], gallery[:, ::2]
    assert align_edges(half_q, half_g, **coarse) == pytest.approx(
        [align_edges(q, g[None], **coarse)[0] for q, g in zip(half_q, half_g, strict=True)])
    # a pair of the same edge is (nearly) at distance zero, whatever else is in the call
    same = align_edges(np.stack([queries[0], queries[1]]), np.stack([queries[0], gallery[1]]))
    assert same[0] < 0.02 * same[1]


def test_paired_queries_must_be_one_per_gallery_edge():
    e = _edges(range(60, 63))
    with pytest.raises(ValueError, match="one query per gallery edge"):
        align_edges(e[:2], e)
