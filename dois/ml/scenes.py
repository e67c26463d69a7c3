"""Synthetic field scenes with exact masks, deterministic by seed (split out of
:mod:`dois.ml.synth`, which re-exports these names)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["FinShape", "fin_shape", "Scene", "render_scene", "render_scenes", "view_edge"]


# --------------------------------------------------------------------------------------
# Field scenes with exact masks: the training data of the fin segmenter and of the edge
# vector, and the synthetic fins of the outline tests.
#
# A fin shape lives in "fin units": x to the trailing side, y down, the fin's base from
# (0, 0) (leading) to (base, 0) (trailing) and its tip at height 1 (y = -1). A scene
# places one shape on a dolphin's back in a photo crop: mirrored or not, foreshortened,
# rotated, waterline at any height (from hiding the lower half of the fin to showing the
# back), tight crops that cut the leading or trailing base, low-contrast grey fins on
# blue or grey water, glitter, foam and splash over the base, wet highlights, droplets,
# scars, haze, blur, noise and JPEG. The mask is exact (the visible dolphin), and so are
# the tip, the visible trailing edge and the facing.
# --------------------------------------------------------------------------------------



@dataclass(frozen=True)
class FinShape:
    """One individual's fin in fin units (x to the trailing side, y down, tip at y=-1)."""

    seed: int
    leading: np.ndarray  # (L, 2) from the leading base (0, 0) to the tip
    trailing: np.ndarray  # (T, 2) from the tip to the trailing base (base, 0)
    base: float  # base length in fin heights
    back_curve: float  # the back's hump: y = back_curve * x * (x - base)
    tone: float  # skin grey level 0..1
    marks: tuple[tuple, ...]  # scars and patches: (kind, params...) in fin units


def _cubic(p0, p1, p2, p3, n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    p0, p1, p2, p3 = (np.asarray(p, float) for p in (p0, p1, p2, p3))
    return ((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2
            + t**3 * p3)


def _resample(poly: np.ndarray, n: int) -> np.ndarray:
    seg = np.linalg.norm(np.diff(poly, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] <= 0:
        return np.repeat(poly[:1], n, axis=0)
    u = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(u, s, poly[:, 0]), np.interp(u, s, poly[:, 1])], axis=1)


def _smooth_closed(poly: np.ndarray, sigma: float) -> np.ndarray:
    if sigma < 0.5:
        return poly
    r = int(3 * sigma) + 1
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    out = np.empty_like(poly)
    for d in range(2):
        out[:, d] = np.convolve(poly[:, d], k, mode="same")
    out[:r], out[-r:] = poly[:r], poly[-r:]  # keep the bases where they are
    return out


def fin_shape(*, individual_seed: int) -> FinShape:
    """A falcate dorsal fin with its own nicks and notches, deterministic by seed."""
    rng = np.random.default_rng([int(individual_seed) & 0xFFFFFFFF, 31337])
    base = rng.uniform(0.95, 1.75)
    sweep = rng.uniform(0.0, 1.0)
    tip_x = base * rng.uniform(0.55, 0.95) + 0.4 * sweep
    tip = np.array([tip_x, -1.0])
    lead = _cubic((0, 0), (tip_x * rng.uniform(0.12, 0.35), -rng.uniform(0.3, 0.6)),
                  (tip_x - rng.uniform(0.15, 0.4) * (0.5 + sweep), -rng.uniform(0.98, 1.12)),
                  tip, 160)
    hook = rng.uniform(0.0, 0.3) * (0.3 + sweep)
    trail = _cubic(tip, (tip_x - hook, -rng.uniform(0.55, 0.85)),
                   (base - rng.uniform(0.1, 0.45), -rng.uniform(0.03, 0.25)), (base, 0.0), 200)
    # Round the tip a little: smooth the joined edge around it.
    joined = np.concatenate([lead, trail[1:]])
    joined = _smooth_closed(joined, rng.uniform(1.0, 5.0))
    lead, trail = joined[:160], joined[159:]
    trail = _resample(trail, 240)

    # Nicks and notches: displacement into the fin along the trailing edge's normal.
    d = np.gradient(trail, axis=0)
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
    if np.mean(normal[:, 0]) > 0:  # into the fin means towards the leading side (-x)
        normal = -normal
    t = np.linspace(0.0, 1.0, len(trail))
    disp = np.zeros(len(trail))
    for _ in range(int(rng.choice([0, 1, 2, 2, 3, 3, 4, 5, 6, 8]))):
        centre = rng.uniform(0.03, 0.88)
        half = rng.uniform(0.006, 0.05)
        depth = rng.uniform(0.008, 0.07)
        u = np.abs(t - centre) / half
        kind = rng.random()
        if kind < 0.45:
            prof = np.clip(1.0 - u, 0.0, None)  # V-shaped nick
        elif kind < 0.85:
            prof = np.clip(1.0 - u**2, 0.0, None) ** 0.5  # rounded notch
        else:
            prof = (u < 1).astype(float) * (1 - 0.3 * u)  # square bite
        disp = np.maximum(disp, depth * prof) if rng.random() < 0.5 else disp + depth * prof
    if rng.random() < 0.15:  # a long shallow scallop
        c, h = rng.uniform(0.2, 0.8), rng.uniform(0.08, 0.2)
        disp += rng.uniform(0.01, 0.03) * np.clip(1 - ((t - c) / h) ** 2, 0, None)
    knots = rng.normal(0.0, rng.uniform(0.001, 0.005), size=24)
    disp += np.interp(t, np.linspace(0, 1, 24), knots)
    disp *= np.clip(t / 0.02, 0, 1)  # the tip itself stays put
    trail = trail + normal * disp[:, None]
    if rng.random() < 0.15:  # missing or torn tip
        cut = rng.uniform(0.03, 0.12)
        keep_t = trail[:, 1] > -1.0 + cut
        keep_l = lead[:, 1] > -1.0 + cut
        trail, lead = trail[keep_t], lead[keep_l]
        jag = np.linspace(lead[-1], trail[0], 8)
        jag[1:-1, 1] += rng.normal(0, 0.01, 6)
        lead = np.concatenate([lead, jag[1:-1]])
        trail = np.concatenate([jag[-1:], trail[1:]])
        tip_i = int(np.argmin(trail[:, 1] - 0.3 * trail[:, 0]))
        trail = trail[tip_i:]
        lead = np.concatenate([lead, jag[-1:]])
    back_curve = rng.uniform(0.0, 0.18)

    marks: list[tuple] = []
    for _ in range(int(rng.integers(0, 5))):  # rake scars: groups of parallel pale lines
        cx, cy = rng.uniform(0.1, base * 0.8), rng.uniform(-0.8, -0.05)
        ang = rng.uniform(-1.2, 1.2)
        length = rng.uniform(0.08, 0.35)
        gap = rng.uniform(0.02, 0.06)
        for k in range(int(rng.integers(1, 6))):
            marks.append(("line", cx - math.sin(ang) * gap * k, cy + math.cos(ang) * gap * k,
                          ang, length, float(rng.uniform(0.004, 0.015)),
                          float(rng.uniform(0.1, 0.5))))
    for _ in range(int(rng.integers(0, 4))):  # pale or dark patches
        marks.append(("blob", rng.uniform(0.1, base * 0.8), rng.uniform(-0.8, 0.1),
                      rng.uniform(0.02, 0.12), rng.uniform(0.02, 0.08),
                      float(rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.25))))
    tone = float(rng.uniform(0.08, 0.6))
    return FinShape(seed=int(individual_seed), leading=lead, trailing=trail, base=float(base),
                    back_curve=float(back_curve), tone=tone, marks=tuple(marks))


@dataclass(frozen=True)
class Scene:
    """A rendered crop and what is exactly known about it.

    ``image`` HxWx3 uint8; ``mask`` HxW uint8 (1 = visible dolphin); ``tip`` (x, y) in
    pixels; ``trailing`` (K, 2) the visible trailing edge from the tip down, in pixels
    (cut where the water, a splash or the crop hides it); ``trailing_end`` why it ends
    (``body``, ``water``, ``border``); ``leading`` likewise; ``facing``: ``left`` when
    the animal swims to the left (leading edge on the left), else ``right``.
    """

    image: np.ndarray
    mask: np.ndarray
    tip: tuple[float, float]
    trailing: np.ndarray
    trailing_end: str
    leading: np.ndarray
    facing: str
    fin_height_px: float
    tip_visible: bool


def _noise(rng: np.random.Generator, h: int, w: int, cells_y: int, cells_x: int) -> np.ndarray:
    import cv2

    small = rng.random((max(cells_y, 2), max(cells_x, 2))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _water(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    kind = rng.random()
    if kind < 0.45:  # blue
        base = np.array([rng.uniform(0.05, 0.35), rng.uniform(0.2, 0.5), rng.uniform(0.35, 0.8)])
    elif kind < 0.65:  # green / teal
        base = np.array([rng.uniform(0.05, 0.25), rng.uniform(0.25, 0.5), rng.uniform(0.25, 0.5)])
    elif kind < 0.9:  # grey, overcast
        base = np.full(3, rng.uniform(0.25, 0.85)) + rng.normal(0, 0.03, 3)
    else:  # dark
        base = np.full(3, rng.uniform(0.03, 0.2)) + np.array([0, 0.02, 0.05])
    grad = np.linspace(rng.uniform(0.75, 1.25), rng.uniform(0.75, 1.25), h)[:, None, None]
    sea = base * grad
    amp = rng.uniform(0.05, 0.45)
    for cy, cx, a in ((rng.integers(6, 30), rng.integers(2, 6), 1.0),
                      (rng.integers(30, 90), rng.integers(4, 16), 0.6)):
        n = _noise(rng, h, w, int(cy), int(cx)) - 0.5
        sea = sea * (1 + amp * a * n[..., None])
    if rng.random() < 0.5:  # sky reflections: bright streaks on wave faces
        n = _noise(rng, h, w, int(rng.integers(20, 70)), int(rng.integers(3, 12)))
        thr = rng.uniform(0.6, 0.85)
        sea = sea + np.clip((n - thr) / (1 - thr), 0, 1)[..., None] * rng.uniform(0.1, 0.6)
    if rng.random() < 0.4:  # glitter
        n = rng.random((h, w)) > rng.uniform(0.992, 0.999)
        sea = sea + _dilate_blur(n.astype(np.float32), rng)[..., None] * rng.uniform(0.5, 1.5)
    return np.clip(sea, 0, 1).astype(np.float32)


def _dilate_blur(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import cv2

    k = int(rng.integers(1, 4))
    x = cv2.dilate(x, np.ones((k, k), np.uint8))
    return cv2.GaussianBlur(x, (0, 0), rng.uniform(0.5, 1.5))


def _place(pts: np.ndarray, m: np.ndarray) -> np.ndarray:
    return pts @ m[:2, :2].T + m[:2, 2]


def view_edge(edge: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A trailing edge (fin units) as another photo would show it: view, waterline, noise.

    Used to train and test the edge vector without rendering pixels.
    """
    sx = rng.uniform(0.7, 1.15)
    ang = math.radians(rng.normal(0, 6))
    sh = rng.normal(0, 0.06)
    m = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]]) @ np.array(
        [[sx, sh], [0, 1.0]])
    out = edge @ m.T
    level = rng.uniform(-0.45, 0.05)  # waterline in fin units (y), cuts the lower edge
    keep = edge[:, 1] < level if rng.random() < 0.8 else np.ones(len(edge), bool)
    if keep.sum() > 20:
        out = out[: int(np.nonzero(keep)[0][-1]) + 1]
    if rng.random() < 0.15:  # tip hidden or traced badly
        out = out[int(len(out) * rng.uniform(0.02, 0.08)):]
    n = len(out)
    knots = rng.normal(0, rng.uniform(0.001, 0.006), size=(16, 2))
    out = out + np.stack([np.interp(np.linspace(0, 1, n), np.linspace(0, 1, 16), knots[:, d])
                          for d in range(2)], axis=1)
    if rng.random() < 0.2:  # a splash bump
        c = rng.uniform(0.3, 1.0)
        w = rng.uniform(0.03, 0.1)
        t = np.linspace(0, 1, n)
        out[:, 0] += rng.uniform(0.01, 0.06) * np.clip(1 - ((t - c) / w) ** 2, 0, None)
    return out


def render_scene(*, seed: int, individual_seed: int | None = None, long_side: int = 256,
                 photo_seed: int | None = None, calm: bool = False) -> Scene:
    """Render one field-like crop of a fin with its exact mask and outline (deterministic).

    ``individual_seed`` fixes the fin shape (defaults to ``seed``), ``photo_seed`` the
    photo conditions (defaults to ``seed``); ``long_side`` is the crop's longer side.
    ``calm``: a good photo (the demo catalogue's): a near side-on view, the whole fin
    above a calm waterline, a crop that keeps both bases, no splash, foam, haze or
    second dolphin, little blur. Without it the draws are as they always were.
    """
    import cv2

    ind = int(seed if individual_seed is None else individual_seed)
    ph = int(seed if photo_seed is None else photo_seed)
    shape = fin_shape(individual_seed=ind)
    rng = np.random.default_rng([ind & 0xFFFFFFFF, ph & 0xFFFFFFFF, 4242])
    b = shape.base

    # Fin units -> provisional frame: foreshorten, shear, rotate, mirror.
    sx = rng.uniform(0.65, 1.15)
    ang = math.radians(rng.normal(0, 7))
    shear = rng.normal(0, 0.08)
    mirror = rng.random() < 0.5
    if calm:
        sx, ang, shear = 0.98 + 0.08 * (sx - 0.65), 0.1 * ang, 0.1 * shear
    lin = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]]) @ np.array(
        [[sx, shear], [0.0, 1.0]])
    if mirror:
        lin = np.array([[-1.0, 0.0], [0.0, 1.0]]) @ lin
    m = np.eye(3)
    m[:2, :2] = lin

    water_y = rng.uniform(-0.45, 0.45)  # waterline, fin units (y down; 0 = the fin's base)
    body_len = rng.uniform(0.8, 3.0)
    if calm:
        water_y = 0.08 + 0.1 * (water_y + 0.45) / 0.9
    xs = np.linspace(-body_len * 1.5, b + body_len * 1.5, 80)
    back = np.stack([xs, shape.back_curve * xs * (xs - b)], axis=1)
    # The dolphin: fin plus back (the back drawn down to well below the crop).
    body_poly = np.concatenate([
        shape.leading, shape.trailing[1:],
        back[xs > b], [[xs[-1], 6.0], [xs[0], 6.0]], back[xs < 0]])

    # Crop box in fin units (may cut the leading or trailing base).
    left = -rng.uniform(-0.2, 0.45) * b
    right = b + rng.uniform(-0.25, 0.6) * b
    top = -1.0 - rng.uniform(0.02, 0.3)
    bottom = max(water_y, -0.2) + rng.uniform(0.05, 0.5)
    if calm:
        left, right, top = -0.3 * b, 1.35 * b, -1.15
        bottom = water_y + 0.25
    corners = _place(np.array([[left, top], [right, top], [left, bottom], [right, bottom],
                               [shape.trailing[0, 0], -1.0]]), m)
    x0, y0 = corners[:, 0].min(), corners[:, 1].min()
    x1, y1 = corners[:, 0].max(), corners[:, 1].max()
    scale = long_side / max(x1 - x0, y1 - y0)
    w = max(16, int(round((x1 - x0) * scale)))
    h = max(16, int(round((y1 - y0) * scale)))
    px = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale], [0, 0, 1]]) @ m

    img = _water(rng, h, w)
    # Skin.
    tone = np.clip(shape.tone * rng.uniform(0.6, 1.5), 0.03, 0.9)
    tint = np.array([1.0, 1.0, 1.0]) + rng.normal(0, 0.05, 3)
    if rng.random() < 0.3:
        tint = tint + np.array([0.08, 0.02, -0.06])  # brownish
    if rng.random() < 0.04:
        tone = rng.uniform(0.75, 0.95)  # pale / leucistic
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gdir = rng.uniform(0, 2 * math.pi)
    shade = 1 + rng.uniform(0.0, 0.5) * (np.cos(gdir) * (xx / w - 0.5)
                                          + np.sin(gdir) * (yy / h - 0.5))
    skin = tone * shade[..., None] * tint
    skin = skin * (1 + rng.uniform(0.02, 0.15) * (_noise(rng, h, w, 30, 30) - 0.5))[..., None]

    # Marks (scars, patches) drawn in pixels.
    marks = np.zeros((h, w), np.float32)
    for mk in shape.marks:
        if mk[0] == "line":
            _, cx, cy, a, length, width, val = mk
            p0 = _place(np.array([[cx - math.cos(a) * length / 2, cy - math.sin(a) * length / 2],
                                  [cx + math.cos(a) * length / 2, cy + math.sin(a) * length / 2]]),
                        px)
            cv2.line(marks, tuple(int(v) for v in p0[0]), tuple(int(v) for v in p0[1]),
                     float(val), max(1, int(width * scale)), cv2.LINE_AA)
        else:
            _, cx, cy, rx, ry, val = mk
            c = _place(np.array([[cx, cy]]), px)[0]
            cv2.ellipse(marks, (int(c[0]), int(c[1])),
                        (max(1, int(rx * scale)), max(1, int(ry * scale))), 0, 0, 360,
                        float(val), -1, cv2.LINE_AA)
    skin = skin + marks[..., None] * (0.5 + tone)
    if rng.random() < 0.5:  # wet sheen along the top of the fin
        c = rng.uniform(0.05, 0.35)
        skin = skin + c * np.clip(1 - (yy - _place(np.array([[0, -1.0]]), px)[0, 1])
                                  / (rng.uniform(0.2, 0.8) * scale), 0, 1)[..., None]
    if rng.random() < 0.6:  # droplets and specks on the skin
        n = rng.random((h, w)) > rng.uniform(0.995, 0.9995)
        skin = skin + _dilate_blur(n.astype(np.float32), rng)[..., None] * rng.uniform(0.3, 1.0)

    dolphin = np.zeros((h, w), np.float32)
    cv2.fillPoly(dolphin, [np.round(_place(body_poly, px) * 16).astype(np.int32)], 1.0,
                 cv2.LINE_AA, shift=4)
    dolphin = np.clip(dolphin, 0, 1)

    if not calm and rng.random() < 0.15:  # another dolphin's back or fin at a side, further away
        other = fin_shape(individual_seed=int(rng.integers(1 << 30)))
        om = np.eye(3)
        s2 = rng.uniform(0.3, 0.9)
        om[:2, :2] = np.diag([s2 * (-1 if rng.random() < 0.5 else 1), s2])
        om[:2, 2] = [rng.choice([left - 0.3 * b, right + 0.2 * b]) * rng.uniform(0.6, 1.0),
                     rng.uniform(-0.3, 0.5)]
        opoly = np.concatenate([other.leading, other.trailing[1:], [[4, 6], [-3, 6]]])
        o = np.zeros((h, w), np.float32)
        cv2.fillPoly(o, [np.round(_place(_place(opoly, om), px) * 16).astype(np.int32)], 1.0,
                     cv2.LINE_AA, shift=4)
        o = np.clip(o, 0, 1) * (1 - dolphin)
        img = img * (1 - o[..., None]) + (tone * rng.uniform(0.7, 1.3) * tint) * o[..., None]

    img = img * (1 - dolphin[..., None]) + skin * dolphin[..., None]

    # Waterline: everything below a wavy line is water again.
    wl = _place(np.array([[0.0, water_y], [1.0, water_y]]), px)
    dx = wl[1, 0] - wl[0, 0]
    slope = (wl[1, 1] - wl[0, 1]) / (dx if abs(dx) > 1e-6 else 1e-6)
    xcol = np.arange(w, dtype=np.float32)
    amp = rng.uniform(0.002, 0.03) * h
    line = (wl[0, 1] + slope * (xcol - wl[0, 0])
            + amp * np.sin(xcol * rng.uniform(0.02, 0.15) + rng.uniform(0, 6.3))
            + amp * 0.5 * (_noise(rng, 1, w, 2, 12)[0] - 0.5) * 4)
    below = np.clip(yy - line[None, :] + 0.5, 0, 1)
    water2 = _water(rng, h, w) if rng.random() < 0.5 else img * 0 + _water(rng, h, w) * 0.7
    img = img * (1 - below[..., None]) + water2 * below[..., None]
    visible = dolphin * (1 - below)

    # Foam along the waterline and splash over the base.
    cover = np.zeros((h, w), np.float32)
    if not calm and rng.random() < 0.5:
        band = np.clip(1 - np.abs(yy - line[None, :]) / (rng.uniform(0.01, 0.06) * h), 0, 1)
        n = _noise(rng, h, w, 40, 60)
        cover = np.maximum(cover, band * (n > rng.uniform(0.3, 0.7)))
    if not calm and rng.random() < 0.35:
        sp = _place(np.array([[rng.choice([0.0, b, b * rng.uniform(0, 1)]), water_y]]), px)[0]
        rad = rng.uniform(0.08, 0.35) * scale
        d = np.hypot((xx - sp[0]) / (rad * rng.uniform(1.0, 2.5)), (yy - sp[1]) / rad)
        n = _noise(rng, h, w, 50, 50)
        cover = np.maximum(cover, ((1 - d) + 0.6 * (n - 0.5) > 0.15).astype(np.float32))
    if cover.any():
        cover = cv2.GaussianBlur(cover, (0, 0), rng.uniform(0.6, 2.0))
        whiteness = rng.uniform(0.7, 1.0) + 0.2 * (_noise(rng, h, w, 80, 80) - 0.5)
        img = img * (1 - cover[..., None]) + whiteness[..., None] * cover[..., None]
        visible = visible * (1 - cover)
    if not calm and rng.random() < 0.3:  # spray droplets anywhere
        n = rng.random((h, w)) > rng.uniform(0.99, 0.999)
        img = img + _dilate_blur(n.astype(np.float32), rng)[..., None] * rng.uniform(0.3, 0.9)

    # Light and camera.
    img = (img - 0.5) * rng.uniform(0.6, 1.3) + 0.5 + rng.normal(0, 0.07)
    if not calm and rng.random() < 0.3:  # haze
        img = img * (1 - (a := rng.uniform(0.1, 0.5))) + a * rng.uniform(0.5, 0.9)
    img = img * rng.uniform(0.9, 1.1, size=3)
    img = np.clip(img, 0, 1)
    if rng.random() < 0.5:
        blur = rng.uniform(0.3, 1.8) * (0.4 if calm else 1.0)
        img = cv2.GaussianBlur(img, (0, 0), blur * long_side / 256)
    img = img + rng.normal(0, rng.uniform(0.002, 0.03), img.shape).astype(np.float32)
    img8 = (np.clip(img, 0, 1) * 255).astype(np.uint8)
    ok, enc = cv2.imencode(".jpg", img8[..., ::-1],
                           [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(55, 96))])
    img8 = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1].copy()
    mask = (visible > 0.5).astype(np.uint8)

    # What is exactly known: tip, visible trailing and leading edges.
    def visible_part(edge: np.ndarray) -> tuple[np.ndarray, str]:
        p = _place(edge, px)
        xi = np.clip(np.round(p[:, 0]).astype(int), 0, w - 1)
        yi = np.clip(np.round(p[:, 1]).astype(int), 0, h - 1)
        inside = (p[:, 0] >= 0) & (p[:, 0] <= w - 1) & (p[:, 1] >= 0) & (p[:, 1] <= h - 1)
        dry = p[:, 1] < line[xi] - 1.0
        clear = cover[yi, xi] < 0.5
        ok = inside & dry & clear
        n_ok = int(np.argmin(ok)) if not ok.all() else len(ok)
        reason = "body"
        if n_ok < len(ok):
            j = n_ok
            reason = "border" if not inside[j] else ("water" if not dry[j] else "splash")
        return p[:n_ok], reason

    trailing, t_end = visible_part(shape.trailing)
    leading, _ = visible_part(shape.leading[::-1])
    tip = _place(shape.trailing[:1], px)[0]
    tip_visible = bool(len(trailing) > 0)
    return Scene(image=img8, mask=mask, tip=(float(tip[0]), float(tip[1])), trailing=trailing,
                 trailing_end=t_end, leading=leading, facing="right" if mirror else "left",
                 fin_height_px=float(scale * np.linalg.norm(lin @ np.array([0.0, 1.0]))),
                 tip_visible=tip_visible)


def _scene_one(args: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    seed, size = args
    s = render_scene(seed=seed, long_side=int(size * 1.75))
    img = cv2.resize(s.image, (size, size), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(s.mask.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    return img, (mask * 255).astype(np.uint8)


def render_scenes(*, seeds: list[int], size: int, processes: int = 1
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Scenes resized (not padded) to ``size x size``: images uint8 and soft masks uint8."""
    jobs = [(s, size) for s in seeds]
    if processes > 1 and len(jobs) > 64:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            out = pool.map(_scene_one, jobs, chunksize=64)
    else:
        out = [_scene_one(j) for j in jobs]
    if not out:
        return np.zeros((0, size, size, 3), np.uint8), np.zeros((0, size, size), np.uint8)
    return np.stack([o[0] for o in out]), np.stack([o[1] for o in out])
