"""Fin outlines: tracing synthetic fins whose outline is known, mirroring, reasons, storage."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dois.ml.outline import (
    EDGE_POINTS,
    EDGE_SHARE,
    Outline,
    OutlineTracer,
    canonical_edge,
    outline_from_mask,
    resample_polyline,
    trace_outline,
)
from dois.ml.outline_edit import outline_correct
from dois.ml.synth import render_scene


def _clear_scenes(n: int, start: int = 0) -> list:
    """Scenes whose tip is in view and whose trailing edge is long enough to trace."""
    out = []
    seed = start
    while len(out) < n:
        s = render_scene(seed=seed, long_side=256)
        seed += 1
        if (s.tip_visible and len(s.trailing) > 40 and s.tip[1] > 5
                and 5 < s.tip[0] < s.image.shape[1] - 5 and s.fin_height_px > 80
                and np.ptp(s.trailing[:, 1]) > 0.35 * s.fin_height_px):
            out.append(s)
    return out


def _polyline_distance(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    dense = resample_polyline(line, 600)
    d = np.linalg.norm(points[:, None, :] - dense[None], axis=2)
    return d.min(axis=1)


def test_exact_mask_gives_the_known_outline():
    scenes = _clear_scenes(8)
    errors, tips = [], []
    for s in scenes:
        o = outline_from_mask(s.mask.astype(np.float32), image_size=s.image.shape[1::-1],
                              image=s.image)
        assert o.ok, o.reason
        assert o.facing == s.facing
        tips.append(np.hypot(o.tip[0] - s.tip[0], o.tip[1] - s.tip[1]) / s.fin_height_px)
        # Trailing edge points lie on the true edge (the traced one may stop a little
        # earlier or later at the lower end: compare the overlap).
        n = min(len(o.trailing), 200)
        pts = resample_polyline(o.trailing, n)
        keep = pts[:, 1] < s.trailing[:, 1].max()
        errors.append(np.median(_polyline_distance(pts[keep], s.trailing)) / s.fin_height_px)
    assert np.median(tips) < 0.04
    assert max(tips) < 0.12
    assert np.median(errors) < 0.01


def test_mirrored_photo_faces_the_other_way_and_gives_the_same_edge():
    s = _clear_scenes(1, start=40)[0]
    a = outline_from_mask(s.mask.astype(np.float32), image_size=s.image.shape[1::-1],
                          image=s.image)
    b = outline_from_mask(s.mask[:, ::-1].astype(np.float32), image_size=s.image.shape[1::-1],
                          image=s.image[:, ::-1].copy())
    assert a.ok and b.ok
    assert {a.facing, b.facing} == {"left", "right"}
    w = s.image.shape[1]
    assert b.tip[0] == pytest.approx(w - 1 - a.tip[0], abs=2.0)
    assert np.abs(a.edge() - b.edge()).max() < 0.03


def test_canonical_edge_frame():
    o = Outline(ok=True, reason="ok", image_size=(200, 200), facing="right",
                tip=(100.0, 10.0), trailing=np.array([[100, 10], [90, 60], [80, 110]], float))
    e = canonical_edge(o, n=EDGE_POINTS, share=1.0)
    assert e.shape == (EDGE_POINTS, 2)
    assert np.allclose(e[0], [0, 0])
    assert np.allclose(e[-1], [0, 1], atol=1e-6)
    # A straight edge stays straight in the canonical frame.
    assert np.abs(e[:, 0]).max() < 1e-6
    # By default only the upper share is kept, in the whole edge's frame.
    top = canonical_edge(o)
    assert np.allclose(top[0], [0, 0]) and top[-1, 1] == pytest.approx(EDGE_SHARE, abs=0.01)


def test_no_fin_is_a_stored_reason_not_an_exception():
    water = np.zeros((120, 160, 3), np.uint8)
    water[..., 2] = 150
    o = outline_from_mask(np.zeros((128, 128), np.float32), image_size=(160, 120), image=water)
    assert not o.ok and o.reason == "no_fin" and not o.usable and o.edge() is None
    o = outline_from_mask(np.ones((128, 128), np.float32), image_size=(160, 120))
    assert o.reason == "no_fin"
    tracer = OutlineTracer(method="classical")
    assert tracer(np.zeros((4, 4), np.uint8)).reason == "bad_image"


def test_network_traces_synthetic_fins():
    scenes = _clear_scenes(6, start=100)
    facing_ok, tip_err = 0, []
    for s in scenes:
        o = trace_outline(s.image)
        assert o.method.startswith("outline-")
        if o.ok:
            facing_ok += o.facing == s.facing
            tip_err.append(np.hypot(o.tip[0] - s.tip[0], o.tip[1] - s.tip[1]) / s.fin_height_px)
    assert len(tip_err) >= 4
    assert facing_ok >= len(tip_err) - 1
    assert np.median(tip_err) < 0.08


def test_serialisation_round_trip():
    s = _clear_scenes(1, start=7)[0]
    o = outline_from_mask(s.mask.astype(np.float32), image_size=s.image.shape[1::-1])
    d = json.loads(json.dumps(o.to_dict()))
    back = Outline.from_dict(d)
    assert back.to_dict() == d
    assert back.facing == o.facing and back.reason == o.reason and back.made_by == "machine"
    assert np.allclose(back.edge(), o.edge(), atol=1e-3)


def test_correction_moves_tip_and_end_along_the_contour():
    s = _clear_scenes(1, start=20)[0]
    o = outline_from_mask(s.mask.astype(np.float32), image_size=s.image.shape[1::-1])
    mid = o.trailing[len(o.trailing) // 2]
    c = outline_correct(o, trailing_end=(float(mid[0]), float(mid[1])))
    assert c.made_by == "person" and c.ok and c.usable
    assert c.trailing_end == pytest.approx((mid[0], mid[1]), abs=1e-3)
    assert c.tip == pytest.approx(o.tip, abs=1e-3)
    # The new edge is the upper half of the old one.
    d = _polyline_distance(resample_polyline(c.trailing, 50), o.trailing)
    assert d.max() < 2.5
    assert len(c.trailing) >= EDGE_POINTS


def test_correction_with_a_redrawn_edge():
    o = Outline(ok=False, reason="no_fin", image_size=(300, 200))
    drawn = [(150, 20), (140, 80), (150, 140), (175, 180)]
    c = outline_correct(o, trailing=drawn, facing="left")
    assert c.ok and c.usable and c.made_by == "person" and c.reason == "ok"
    assert c.tip == (150.0, 20.0) and c.trailing_end == (175.0, 180.0)
    e = c.edge(share=1.0)
    assert e.shape == (EDGE_POINTS, 2) and e[:, 0].min() < -0.05  # concave: bulges forward
    with pytest.raises(ValueError):
        outline_correct(o, trailing=[(1, 1)], facing="left")
