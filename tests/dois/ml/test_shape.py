"""The fin's upper shape (leading edge, tip, trailing share) and how it ranks."""

from __future__ import annotations

import numpy as np
import pytest

from dois.ml.edges import (
    NOVELTY_POINTS,
    NOVELTY_SHARE,
    EdgeGallery,
    align_edges,
    describe_fin,
    novelty_edges,
)
from dois.ml.outline import (
    EDGE_POINTS,
    EDGE_SHARE,
    Outline,
    canonical_edge,
    outline_from_mask,
    resample_polyline,
)
from dois.ml.shape import (
    SHAPE_POINTS,
    canonical_shape,
    edge_pack,
    edge_unpack,
    stored_edges_unpack,
)
from dois.ml.synth import render_scene


def _clear_scenes(n: int, start: int = 0) -> list:
    """Scenes with the tip, a long trailing edge and a long leading edge in view."""
    out, seed = [], start
    while len(out) < n:
        s = render_scene(seed=seed, long_side=256)
        seed += 1
        if (s.tip_visible and len(s.trailing) > 40 and len(s.leading) > 40
                and s.fin_height_px > 80 and s.tip[1] > 5
                and 5 < s.tip[0] < s.image.shape[1] - 5
                and np.ptp(s.leading[:, 1]) > 0.5 * s.fin_height_px):
            out.append(s)
    return out


def _traced(scene) -> Outline:
    o = outline_from_mask(scene.mask.astype(np.float32), image_size=scene.image.shape[1::-1],
                          image=scene.image)
    assert o.ok, o.reason
    return o


def _to_pixels(shape: np.ndarray, o: Outline) -> np.ndarray:
    """Undo canonical_shape's frame (the trailing edge's tip-to-end chord, mirrored)."""
    w = o.image_size[0]
    tr = np.asarray(o.trailing, float).copy()
    if o.facing == "right":
        tr[:, 0] = (w - 1) - tr[:, 0]
    tr = resample_polyline(tr, 400)
    chord = tr[-1] - tr[0]
    length = float(np.hypot(*chord))
    c, s = chord[1] / length, chord[0] / length
    rot = np.array([[c, -s], [s, c]])
    p = shape.astype(float) * length @ rot + tr[0]
    if o.facing == "right":
        p[:, 0] = (w - 1) - p[:, 0]
    return p


def _distance_to(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    dense = resample_polyline(line, 800)
    return np.linalg.norm(points[:, None] - dense[None], axis=2).min(axis=1)


def test_shape_runs_up_the_true_leading_edge_over_the_tip_and_down_the_trailing_share():
    for scene in _clear_scenes(6):
        o = _traced(scene)
        shape = canonical_shape(o)
        assert shape is not None and shape.shape == (SHAPE_POINTS, 2)
        tip_at = int(np.argmin(np.linalg.norm(shape, axis=1)))
        assert np.linalg.norm(shape[tip_at]) < 0.03  # passes through the tip (0, 0)
        assert shape[: tip_at - 2, 0].max() < 0.02  # leading part on the leading side
        edge = canonical_edge(o, n=EDGE_POINTS, share=EDGE_SHARE)
        assert np.linalg.norm(shape[-1] - edge[-1]) < 0.02  # ends where the edge does
        # the leading part reaches down to the trailing share's depth
        assert shape[0, 1] == pytest.approx(edge[:, 1].max(), abs=0.05)
        leading_px = _to_pixels(shape[: tip_at - 2], o)
        err = _distance_to(leading_px, scene.leading) / scene.fin_height_px
        assert np.median(err) < 0.02, np.median(err)


def test_mirrored_photo_gives_the_same_shape():
    scene = _clear_scenes(1, start=30)[0]
    a = _traced(scene)
    flipped = type(scene)(**{**scene.__dict__, "mask": scene.mask[:, ::-1].copy(),
                             "image": scene.image[:, ::-1].copy()})
    b = _traced(flipped)
    assert {a.facing, b.facing} == {"left", "right"}
    assert np.abs(canonical_shape(a) - canonical_shape(b)).max() < 0.03


def test_no_shape_without_a_usable_outline_or_a_contour():
    assert canonical_shape(Outline(ok=False, reason="no_fin", image_size=(10, 10))) is None
    redrawn = Outline(ok=True, reason="ok", image_size=(200, 200), facing="left",
                      tip=(100.0, 10.0), made_by="person",
                      trailing=np.array([[100, 10 + i * 5] for i in range(20)], float))
    assert redrawn.usable and canonical_shape(redrawn) is None
    broken = Outline(ok=True, reason="ok", image_size=(200, 200), facing="left",
                     tip=(100.0, 10.0), trailing=redrawn.trailing,
                     contour=np.full((50, 2), np.nan))
    assert canonical_shape(broken) is None  # never a shape that would poison the ranking


def test_packing_round_trips_and_old_edges_have_no_shape():
    edge = np.random.default_rng(0).random((EDGE_POINTS, 2)).astype(np.float32)
    shape = np.random.default_rng(1).random((SHAPE_POINTS, 2)).astype(np.float32)
    e, s = edge_unpack(edge_pack(edge, shape))
    assert np.array_equal(e, edge) and np.array_equal(s, shape)
    e, s = edge_unpack(edge_pack(edge, None))
    assert np.array_equal(e, edge) and s is None
    edges, shapes = stored_edges_unpack([edge_pack(edge, shape).tobytes(), edge.tobytes()])
    assert edges.shape == (2, EDGE_POINTS, 2)
    assert np.array_equal(shapes[0], shape) and shapes[1] is None


def test_describe_fin_stores_edge_and_shape_together():
    scene = _clear_scenes(1, start=50)[0]
    fin = describe_fin(outline=_traced(scene))
    assert fin.shape is not None
    assert fin.stored.shape == (EDGE_POINTS + SHAPE_POINTS, 2)
    e, s = edge_unpack(fin.stored)
    assert np.array_equal(e, fin.edge) and np.array_equal(s, fin.shape)


def _fin(width: float) -> tuple[np.ndarray, np.ndarray]:
    """A trailing edge (shared by every fin here) and an upper shape whose leading side
    lies ``width`` away from it."""
    t = np.linspace(0.0, 1.0, EDGE_POINTS)
    edge = np.stack([0.05 * np.sin(np.pi * t), t * 0.6], axis=1).astype(np.float32)
    lead = np.stack([-width * np.linspace(1.0, 0.0, 40) ** 0.7, np.linspace(0.6, 0.0, 40)],
                    axis=1)
    shape = resample_polyline(np.concatenate([lead, edge[1:]]), SHAPE_POINTS)
    return edge, shape.astype(np.float32)


def test_the_shape_decides_between_equal_trailing_edges():
    (ea, sa), (eb, sb) = _fin(0.3), _fin(0.7)
    gallery = EdgeGallery(np.stack([ea, eb]), ["narrow", "wide"], shapes=[sa, sb])
    q_edge, q_shape = _fin(0.68)
    assert gallery.search(q_edge, k=2, shape=q_shape)[0].label == "wide"
    assert gallery.search(q_edge, k=2, shape=_fin(0.32)[1])[0].label == "narrow"
    # without a query shape, the trailing edges alone tie; a gallery photo without a
    # shape is compared on its trailing edge only
    assert [c.label for c in gallery.search(q_edge, k=2)] == ["narrow", "wide"]
    partial = EdgeGallery(np.stack([ea, eb]), ["narrow", "wide"], shapes=[None, sb])
    assert len(partial.search(q_edge, k=2, shape=q_shape)) == 2


def test_relative_distance_comes_from_the_nearest_trailing_edge():
    (ea, sa), (eb, sb) = _fin(0.3), _fin(0.7)
    eb = eb + np.array([0.008, 0.0], np.float32) * np.sin(np.linspace(0, 6, EDGE_POINTS))[:, None]
    gallery = EdgeGallery(np.stack([ea, eb, ea]), ["narrow", "wide", "other"],
                          shapes=[sa, sb, sa])
    query = ea + np.array([0.004, 0.0], np.float32) * np.cos(
        np.linspace(0, 9, EDGE_POINTS))[:, None]
    cands = gallery.search(query, k=3, shape=sb)
    short, edge_d = gallery.photo_distances(query)
    nearest_edge = gallery.labels[int(short[int(np.argmin(edge_d))])]
    assert cands[0].label == "wide" and nearest_edge != "wide"  # shape and edge disagree
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    assert cands[0].relative is not None and cands[0].relative > 0
    assert all(c.relative is None for c in cands[1:])
    upper = novelty_edges(np.stack([resample_polyline(query, EDGE_POINTS), ea, eb, ea]))
    d = align_edges(upper[0], upper[1:], n=NOVELTY_POINTS)
    j = int(np.argmin(d))
    assert cands[0].relative == pytest.approx(d[j] / gallery.local_scale(j), rel=1e-4)


def test_novelty_edges_are_the_upper_part_of_the_compared_edge():
    t = np.linspace(0.0, 1.0, EDGE_POINTS)
    edge = np.stack([0.1 * t**2, t], axis=1).astype(np.float32)[None]
    upper = novelty_edges(edge)[0]
    assert upper.shape == (NOVELTY_POINTS, 2)
    assert np.allclose(upper[0], edge[0, 0])
    assert upper[-1, 1] == pytest.approx(NOVELTY_SHARE / EDGE_SHARE, abs=1e-3)
    assert np.allclose(upper[:, 0], 0.1 * upper[:, 1] ** 2, atol=1e-3)  # on the same curve
