"""From a fin crop to its outline: mask, tip, leading and trailing edge, facing, confidence.

``trace_outline(image)`` never raises for a bad photo: it returns an :class:`Outline`
with ``ok=False`` and a stored ``reason`` (``no_fin``, ``edge_too_short``, ``tip_cut``,
``low_confidence``, ``bad_image``). All points are in pixels of the crop as given
(x right, y down); ``facing`` says which way the animal swims (``left``: leading edge on
the left, the trailing edge on the right, as most fin photos are taken). The canonical
orientation is ``left``: a ``right``-facing outline is mirrored before its edge is
compared.

The trailing edge runs from the tip down to where it meets the back, the water or the
crop border (``trailing_end_kind``); :func:`canonical_edge` resamples it to a fixed
number of points in a frame where the tip is (0, 0), the trailing end is (0, 1), and x
grows towards the trailing side.

A person's correction is rebuilt with :func:`dois.ml.outline_edit.outline_correct`
(moved tip or ends, or a redrawn edge); ``made_by`` then says ``person``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .geometry import edge_frame, resample_polyline, to_canonical, upper_share

__all__ = [
    "OUTLINE_METHOD_VERSION",
    "EDGE_POINTS",
    "EDGE_SHARE",
    "REASONS",
    "Outline",
    "OutlineTracer",
    "trace_outline",
    "outline_from_mask",
    "canonical_edge",
    "normalise_edge",
    "resample_polyline",
]

OUTLINE_METHOD_VERSION = "outline-1"
EDGE_POINTS = 64  # points of a canonical trailing edge
# Share of the traced trailing edge (by length, from the tip) that is compared: the upper
# edge holds most nicks and is traced well in nearly every photo, while the lower end
# moves with the waterline, the back and splash. Chosen looking at both fins-smru and
# fins-naukma (see dois/ml/README.md: fins-smru's top-1 is not a clean held-out figure):
# 0.6 beat 0.4 on both (edge-2; fins-naukma nearest-edge 0.89 vs 0.82).
EDGE_SHARE = 0.6
WORK_SIDE = 512  # long side at which the mask is traced
MIN_CONFIDENCE = 0.5

REASONS = {
    "ok": "outline found",
    "no_fin": "no fin found in the crop",
    "edge_too_short": "the trailing edge visible is too short to compare",
    "tip_cut": "the crop cuts off the fin's tip",
    "low_confidence": "the fin's outline is unclear",
    "bad_image": "the image is empty or not RGB",
}


def _pt(p: Any) -> list[float] | None:
    return None if p is None else [round(float(p[0]), 2), round(float(p[1]), 2)]


def _pts(a: Any) -> list[list[float]]:
    return [] if a is None else [[round(float(x), 2), round(float(y), 2)] for x, y in
                                 np.asarray(a, float).reshape(-1, 2)]


@dataclass
class Outline:
    """A fin's outline in crop pixels; JSON-safe through :meth:`to_dict`.

    ``contour``: the whole mask outline (closed, up to ~240 points); ``trailing``: the
    trailing edge from the tip to its lower end (up to ~200 points); ``leading_end`` and
    ``trailing_end``: where each edge meets the back, the water or the crop border;
    ``confidence`` in [0, 1]; ``ok``/``reason`` (see ``REASONS``); ``made_by``
    ``machine`` or ``person``; ``method`` the tracing method's version.
    """

    ok: bool
    reason: str
    image_size: tuple[int, int]  # (width, height) of the crop
    facing: str | None = None
    tip: tuple[float, float] | None = None
    trailing: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    trailing_end: tuple[float, float] | None = None
    trailing_end_kind: str | None = None  # body, water, border
    leading_end: tuple[float, float] | None = None
    contour: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    confidence: float = 0.0
    made_by: str = "machine"
    method: str = OUTLINE_METHOD_VERSION

    @property
    def usable(self) -> bool:
        """True when the trailing edge can be compared."""
        return bool(self.ok and len(self.trailing) >= 8)

    def edge(self, n: int = EDGE_POINTS, share: float = EDGE_SHARE) -> np.ndarray | None:
        """The canonical trailing edge (``n x 2``, see :func:`canonical_edge`) or None."""
        return canonical_edge(self, n=n, share=share) if self.usable else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (lists and floats only)."""
        return {
            "ok": bool(self.ok), "reason": self.reason,
            "image_size": [int(self.image_size[0]), int(self.image_size[1])],
            "facing": self.facing, "tip": _pt(self.tip), "trailing": _pts(self.trailing),
            "trailing_end": _pt(self.trailing_end), "trailing_end_kind": self.trailing_end_kind,
            "leading_end": _pt(self.leading_end), "contour": _pts(self.contour),
            "confidence": round(float(self.confidence), 4), "made_by": self.made_by,
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outline:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        def tup(v: Any) -> tuple[float, float] | None:
            return None if v is None else (float(v[0]), float(v[1]))

        def arr(v: Any) -> np.ndarray:
            return np.asarray(v or [], np.float32).reshape(-1, 2)

        return cls(ok=bool(data["ok"]), reason=str(data["reason"]),
                   image_size=(int(data["image_size"][0]), int(data["image_size"][1])),
                   facing=data.get("facing"), tip=tup(data.get("tip")),
                   trailing=arr(data.get("trailing")), trailing_end=tup(data.get("trailing_end")),
                   trailing_end_kind=data.get("trailing_end_kind"),
                   leading_end=tup(data.get("leading_end")), contour=arr(data.get("contour")),
                   confidence=float(data.get("confidence", 0.0)),
                   made_by=str(data.get("made_by", "machine")),
                   method=str(data.get("method", OUTLINE_METHOD_VERSION)))


# ------------------------------------------------------------------------- geometry
def normalise_edge(points: np.ndarray, *, n: int = EDGE_POINTS, share: float = EDGE_SHARE
                   ) -> np.ndarray:
    """A trailing edge (tip first, already facing left) in the canonical frame.

    The frame puts the tip at (0, 0) and the traced edge's lower end at (0, 1), x growing
    towards the trailing side; of that, the upper ``share`` (by length from the tip) is
    kept, ``n`` points by arc length. (Keeping the whole edge's frame keeps how long and
    how bent the upper part is relative to the whole fin, which its own chord would
    normalise away; the alignment then corrects the frame.)
    """
    p = resample_polyline(np.asarray(points, np.float64).reshape(-1, 2), 400)
    to_frame = edge_frame(p)
    if to_frame is None:
        return np.zeros((n, 2), np.float32)
    q = to_frame(p)
    if share < 1.0:
        q = upper_share(q, share)
    return resample_polyline(q, n).astype(np.float32)


def canonical_edge(outline: Outline, *, n: int = EDGE_POINTS, share: float = EDGE_SHARE
                   ) -> np.ndarray:
    """The outline's compared trailing edge: mirrored to face left, then
    :func:`normalise_edge`."""
    p = to_canonical(outline.trailing, outline.facing, outline.image_size[0])
    return normalise_edge(p, n=n, share=share)


def _largest_component(mask: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """The component holding the most probability, holes filled (scars, glints)."""
    import cv2

    n, lab, _, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return np.zeros_like(mask)
    weights = np.bincount(lab.ravel(), weights=prob.ravel(), minlength=n)
    weights[0] = 0
    keep = (lab == int(np.argmax(weights))).astype(np.uint8)
    contours, _ = cv2.findContours(keep, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    out = np.zeros_like(mask)
    cv2.drawContours(out, contours, -1, 1, thickness=-1)
    return out


def _smooth(values: np.ndarray, sigma: float, closed: bool = True) -> np.ndarray:
    if sigma < 0.3:
        return values
    r = int(3 * sigma) + 1
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    if closed:
        pad = np.concatenate([values[-r:], values, values[:r]])
        return np.stack([np.convolve(pad[:, d], k, mode="valid") for d in range(values.shape[1])],
                        axis=1)
    return np.stack([np.convolve(np.pad(values[:, d], r, mode="edge"), k, mode="valid")
                     for d in range(values.shape[1])], axis=1)


def _facing(mask: np.ndarray, contour: np.ndarray) -> tuple[str, float]:
    """Which way the animal swims, from how the fin leans and which side is concave."""
    h, w = mask.shape
    top = int(contour[:, 1].min())
    tops = contour[contour[:, 1] <= top + 2]
    tip_x = float(tops[:, 0].mean())
    height = max(h - top, 8)
    lean, rows = 0.0, 0
    for y in range(top + int(0.12 * height), top + int(0.4 * height) + 1, 2):
        if y >= h:
            break
        xs = np.nonzero(mask[y])[0]
        if len(xs) == 0:
            continue
        # The run of fin pixels nearest the tip's column.
        splits = np.nonzero(np.diff(xs) > 1)[0]
        runs = np.split(xs, splits + 1)
        run = min(runs, key=lambda r: 0 if r[0] <= tip_x <= r[-1] else min(abs(r[0] - tip_x),
                                                                            abs(r[-1] - tip_x)))
        lean += (tip_x - 0.5 * (run[0] + run[-1])) / max(run[-1] - run[0] + 1, 1)
        rows += 1
    lean = lean / rows if rows else 0.0
    return ("left" if lean >= 0 else "right"), float(lean)


def _walk(c: np.ndarray, start: int, step: int, *, border: np.ndarray, height_hint: float,
          min_drop: float, flat_deg: float, max_steps: int) -> tuple[list[int], str]:
    """Follow the contour from ``start`` until it meets the border or turns flat."""
    n = len(c)
    idx = [start]
    k = max(3, int(0.03 * height_hint))
    tan = _smooth(np.roll(c, -k, axis=0) - np.roll(c, k, axis=0), 2.0)
    y0 = c[start, 1]
    i = start
    for _ in range(max_steps):
        i = (i + step) % n
        if border[i]:
            return idx, "border"
        dx, dy = tan[i] * step
        drop = c[i, 1] - y0
        if drop > min_drop * height_hint:
            ang = math.degrees(math.atan2(dy, abs(dx) + 1e-9))
            if ang < flat_deg:  # along the back (trailing side) or under the fin (water)
                return idx, ("body" if dx > 0 else "water")
        idx.append(i)
    return idx, "body"


class OutlineTracer:
    """Trace outlines with a segmentation method: ``network`` (default) or ``classical``.

    Nothing is loaded until the first call; safe to create before a fork.
    """

    def __init__(self, *, method: str = "network", segmenter_path: Any = None,
                 threads: int = 1) -> None:
        if method not in {"network", "classical"}:
            raise ValueError(f"unknown segmentation method {method!r}")
        self.method = method
        self._seg: Any = None
        self._path = segmenter_path
        self._threads = threads

    @property
    def version(self) -> str:
        """Method version string, e.g. ``outline-1+seg-1``."""
        if self.method == "classical":
            return f"{OUTLINE_METHOD_VERSION}+grabcut"
        return f"{OUTLINE_METHOD_VERSION}+{self.segmenter.metadata.get('name', 'seg')}-" \
               f"{self.segmenter.metadata.get('version', '0')}"

    @property
    def segmenter(self) -> Any:
        """The network (loaded lazily)."""
        if self._seg is None:
            from .segment import DEFAULT_SEGMENTER_PATH, Segmenter

            self._seg = Segmenter(self._path or DEFAULT_SEGMENTER_PATH, threads=self._threads)
        return self._seg

    def probability(self, image: np.ndarray) -> np.ndarray:
        """The dolphin probability map for ``image`` (at the method's own size)."""
        if self.method == "classical":
            from .segment import segment_classical

            return segment_classical(image)
        return self.segmenter.probability(image)

    def __call__(self, image: np.ndarray) -> Outline:
        """Trace one RGB crop (``H x W x 3`` uint8)."""
        img = np.asarray(image)
        if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] < 8 or img.shape[1] < 8:
            size = (int(img.shape[1]), int(img.shape[0])) if img.ndim >= 2 else (0, 0)
            return Outline(ok=False, reason="bad_image", image_size=size, method=self.version)
        prob = self.probability(img)
        out = outline_from_mask(prob, image_size=(img.shape[1], img.shape[0]), image=img)
        out.method = self.version
        return out


_TRACERS: dict[str, OutlineTracer] = {}


def trace_outline(image: np.ndarray, *, method: str = "network") -> Outline:
    """Trace one crop with a per-process shared :class:`OutlineTracer`."""
    tracer = _TRACERS.get(method)
    if tracer is None:
        tracer = _TRACERS[method] = OutlineTracer(method=method)
    return tracer(image)


def _snap_edge(points: np.ndarray, image: np.ndarray, mask: np.ndarray, *, radius: float
               ) -> tuple[np.ndarray, float]:
    """Move traced edge points (working pixels) onto the photo's sharpest fin/water step.

    Each point searches along its normal, ``radius`` pixels either way, for the largest
    change from the fin's colour to the water's (the colour direction that best tells
    the two apart in this photo), with a prior towards the traced position; offsets
    are median-filtered along the edge so a glint cannot pull one point away. Also
    returns the share of points that found a clear step near the trace.
    """
    import cv2

    if len(points) < 5:
        return points, 0.0
    img = image.astype(np.float32)
    inside = img[mask > 0].mean(axis=0)
    outside = img[mask == 0].mean(axis=0) if (mask == 0).any() else inside
    direction = inside - outside
    if np.linalg.norm(direction) < 4.0:  # no colour contrast to use: keep the trace
        return points, 0.0
    direction /= np.linalg.norm(direction)
    grey = cv2.GaussianBlur(img @ direction, (0, 0), 0.8)
    t = _smooth(np.gradient(points, axis=0), 2.0, closed=False)
    t /= np.linalg.norm(t, axis=1, keepdims=True) + 1e-9
    normal = np.stack([-t[:, 1], t[:, 0]], axis=1)
    h, w = mask.shape
    probe = np.clip(np.round(points + 3 * normal).astype(int), 0, [w - 1, h - 1])
    if mask[probe[:, 1], probe[:, 0]].mean() > 0.5:  # make normals point out of the fin
        normal = -normal
    offs = np.arange(-radius, radius + 0.25, 0.5, dtype=np.float32)
    mx = (points[:, None, 0] + offs[None, :] * normal[:, None, 0]).astype(np.float32)
    my = (points[:, None, 1] + offs[None, :] * normal[:, None, 1]).astype(np.float32)
    prof = cv2.remap(grey, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    step = -np.gradient(prof, axis=1)  # inside (projection high) -> outside (low)
    prior = np.exp(-0.5 * (offs / (0.6 * radius)) ** 2)
    score = step * prior[None, :]
    best = score.argmax(axis=1)
    # Sub-pixel: a parabola through the best sample and its neighbours.
    b = np.clip(best, 1, len(offs) - 2)
    y0, y1, y2 = (score[np.arange(len(b)), b + d] for d in (-1, 0, 1))
    den = y0 - 2 * y1 + y2
    frac = np.divide(0.5 * (y0 - y2), den, out=np.zeros_like(den), where=np.abs(den) > 1e-9)
    off = offs[b] + np.clip(frac, -1, 1) * 0.5
    found = step[np.arange(len(b)), best]
    off = np.where(found > 0, off, 0.0)
    pad = np.pad(off, 2, mode="edge")
    off = np.median(np.lib.stride_tricks.sliding_window_view(pad, 5), axis=1)
    contrast = float(np.linalg.norm(inside - outside))
    clear = (found > 0.05 * contrast) & (np.abs(off) < 0.7 * radius)
    return points + off[:, None] * normal, float(clear.mean())


def outline_from_mask(prob: np.ndarray, *, image_size: tuple[int, int],
                      image: np.ndarray | None = None) -> Outline:
    """Outline from a probability (or 0/1) map of any size covering the whole crop.

    With ``image`` (the RGB crop), the trailing edge is snapped to the photo's own
    fin/water boundary at the working resolution.
    """
    import cv2

    width, height = int(image_size[0]), int(image_size[1])
    scale = min(1.0, WORK_SIDE / max(width, height))
    ww, wh = max(8, round(width * scale)), max(8, round(height * scale))
    p = cv2.resize(np.asarray(prob, np.float32), (ww, wh), interpolation=cv2.INTER_LINEAR)
    fail = Outline(ok=False, reason="no_fin", image_size=(width, height))
    raw = (p > 0.5).astype(np.uint8)
    share = raw.mean()
    if share < 0.02 or share > 0.97:
        return fail
    mask = _largest_component(raw, p)
    if mask.mean() < 0.02:
        return fail
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return fail
    c = max(contours, key=cv2.contourArea)[:, 0, :].astype(np.float64)
    if len(c) < 30:
        return fail
    border = (c[:, 0] <= 1) | (c[:, 0] >= ww - 2) | (c[:, 1] <= 1) | (c[:, 1] >= wh - 2)
    facing, lean = _facing(mask, c)
    cc = to_canonical(c, facing, ww)
    cs = _smooth(cc, 1.0)

    # Tip: the outline's farthest point up and back (30 degrees from vertical).
    theta = math.radians(30)
    score = -cs[:, 1] * math.cos(theta) + cs[:, 0] * math.sin(theta)
    score[border] = -np.inf
    if not np.isfinite(score).any():
        return fail
    tip_i = int(np.argmax(score))
    tip_on_border = bool(np.any(border[np.abs(np.arange(len(c)) - tip_i) <= 2]))
    if cc[tip_i, 1] <= 2.5:
        tip_on_border = True
    height_hint = max(wh - cs[tip_i, 1], 8.0)
    # Which way along the contour is the trailing edge: further to the trailing side
    # at the same arc distance.
    k = max(5, int(0.3 * height_hint))
    n = len(cs)
    fwd, back = cs[(tip_i + k) % n], cs[(tip_i - k) % n]
    step = 1 if fwd[0] > back[0] else -1
    t_idx, t_kind = _walk(cs, tip_i, step, border=border, height_hint=height_hint,
                          min_drop=0.25, flat_deg=22.0, max_steps=n - 1)
    l_idx, _ = _walk(cs, tip_i, -step, border=border, height_hint=height_hint,
                     min_drop=0.25, flat_deg=15.0, max_steps=n - 1 - len(t_idx))

    back_to_crop = 1.0 / scale

    def crop_px(points: np.ndarray) -> np.ndarray:
        q = np.asarray(points, np.float64).reshape(-1, 2).copy()
        if facing == "right":
            q[:, 0] = (ww - 1) - q[:, 0]
        return (q + 0.5) * back_to_crop - 0.5

    t_pts = cs[t_idx]
    snap_quality = 1.0
    if image is not None and len(t_idx) >= 5:
        work_img = cv2.resize(np.asarray(image, np.uint8), (ww, wh), interpolation=cv2.INTER_AREA)
        if facing == "right":
            work_img, work_mask = work_img[:, ::-1], mask[:, ::-1]
        else:
            work_mask = mask
        t_pts, snap_quality = _snap_edge(t_pts, work_img, work_mask,
                                         radius=max(2.0, 0.012 * max(ww, wh)))
    trailing = crop_px(t_pts)
    contour = crop_px(cs[:: max(1, n // 240)])
    tip = crop_px(cs[tip_i:tip_i + 1])[0]
    t_end = trailing[-1]
    l_end = crop_px(cs[l_idx[-1]:l_idx[-1] + 1])[0] if l_idx else None

    # Confidence: how decided the map is across the traced edge (inside vs outside a
    # few pixels away), how many edge points found a clear step in the photo, how long
    # the edge is and how clearly the fin leans one way.
    tp = cs[t_idx]
    tang = _smooth(np.gradient(tp, axis=0), 2.0, closed=False) if len(tp) > 2 else np.ones_like(tp)
    tang /= np.linalg.norm(tang, axis=1, keepdims=True) + 1e-9
    nrm = np.stack([-tang[:, 1], tang[:, 0]], axis=1)
    off = max(2.0, 0.008 * max(ww, wh))
    if facing == "right":
        tp = tp.copy()
        tp[:, 0] = (ww - 1) - tp[:, 0]
        nrm = nrm * np.array([-1.0, 1.0])
    a = cv2.remap(p, (tp[:, 0] + off * nrm[:, 0]).astype(np.float32)[None],
                  (tp[:, 1] + off * nrm[:, 1]).astype(np.float32)[None], cv2.INTER_LINEAR,
                  borderMode=cv2.BORDER_REPLICATE)[0]
    b = cv2.remap(p, (tp[:, 0] - off * nrm[:, 0]).astype(np.float32)[None],
                  (tp[:, 1] - off * nrm[:, 1]).astype(np.float32)[None], cv2.INTER_LINEAR,
                  borderMode=cv2.BORDER_REPLICATE)[0]
    decided = float(np.median(np.abs(a - b))) if len(tp) else 0.0
    edge_len = float(np.sum(np.linalg.norm(np.diff(cs[t_idx], axis=0), axis=1)))
    drop = float(cs[t_idx[-1], 1] - cs[tip_i, 1])
    rel = drop / max(wh, 1)
    conf = float(np.clip(decided, 0, 1) * (0.4 + 0.6 * snap_quality)
                 * np.clip(rel / 0.25, 0, 1) * np.clip(0.5 + 4 * abs(lean), 0, 1))
    out = Outline(ok=True, reason="ok", image_size=(width, height), facing=facing,
                  tip=(float(tip[0]), float(tip[1])), trailing=trailing.astype(np.float32),
                  trailing_end=(float(t_end[0]), float(t_end[1])), trailing_end_kind=t_kind,
                  leading_end=None if l_end is None else (float(l_end[0]), float(l_end[1])),
                  contour=contour.astype(np.float32), confidence=conf)
    if tip_on_border:
        return replace(out, ok=False, reason="tip_cut")
    if len(t_idx) < 10 or rel < 0.15 or edge_len < 0.2 * height_hint:
        return replace(out, ok=False, reason="edge_too_short")
    if conf < MIN_CONFIDENCE:
        return replace(out, ok=False, reason="low_confidence")
    return out
