"""Synthetic dorsal fins, deterministic by seed.

Each individual (``individual_seed``) has its own fin outline: sweep, tip, nicks and
notches along the trailing edge, a small irregularity, and marks on the fin (rake
scars, pale and dark patches). Each photo of it (``photo_seed``) varies pose, scale,
view angle, light, sea, glare, spray, blur, sensor noise and occlusion by water.

Rendering uses NumPy and PIL drawing only (a few milliseconds per image), so the
generator can feed demos, tests and training. Only one side of the fin is drawn:
a mirrored image is a different view, not the same photo.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

__all__ = [
    "FinIdentity",
    "fin_identity",
    "render_individual_photo",
    "render_batch",
    "render_jpeg",
    "render_uploads",
    "write_dataset",
    "dataset_seeds",
]

_CANVAS = 256  # canonical fin canvas (fin-local coordinates)


@dataclass(frozen=True)
class FinIdentity:
    """The fixed traits of one synthetic individual."""

    seed: int
    outline: np.ndarray  # (N, 2) polygon in canonical canvas coordinates
    tone: float  # skin grey level, 0..1
    marks: tuple[tuple, ...]  # drawing instructions in canonical coordinates


def _bezier(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def fin_identity(*, individual_seed: int) -> FinIdentity:
    """Build the outline and marks of one individual from its seed."""
    rng = np.random.default_rng([int(individual_seed) & 0xFFFFFFFF, 7919])
    base_front = np.array([rng.uniform(28, 60), 236.0])
    base_rear = np.array([rng.uniform(190, 228), 236.0])
    tip = np.array([rng.uniform(150, 215), rng.uniform(22, 60)])
    lead_ctrl = np.array([rng.uniform(60, 110), rng.uniform(40, 120)])
    trail_ctrl = np.array([rng.uniform(130, 185), rng.uniform(120, 190)])
    lead = _bezier(base_front, lead_ctrl, tip, 60)
    trail = _bezier(tip, trail_ctrl, base_rear, 120)

    # Inward normal of the trailing edge (points towards the fin's interior).
    d = np.gradient(trail, axis=0)
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-9
    t = np.linspace(0.0, 1.0, len(trail))
    disp = np.zeros(len(trail))
    n_notches = int(rng.integers(1, 7))
    for _ in range(n_notches):
        centre = rng.uniform(0.05, 0.92)
        half = rng.uniform(0.02, 0.07)
        depth = rng.uniform(6.0, 24.0)
        u = np.abs(t - centre) / half
        if rng.random() < 0.5:
            prof = np.clip(1.0 - u, 0.0, None)  # V-shaped nick
        else:
            prof = np.clip(1.0 - u**2, 0.0, None) ** 0.5  # rounded notch
        disp += depth * prof
    # Individual small-scale irregularity of the edge.
    knots = rng.normal(0.0, 1.3, size=12)
    disp += np.interp(t, np.linspace(0, 1, 12), knots)
    trail = trail + normal * disp[:, None]
    if rng.random() < 0.2:  # missing tip
        cut = int(rng.integers(4, 12))
        trail = trail[cut:]
        lead = lead[: len(lead) - cut // 2]
    outline = np.concatenate([lead, trail, [[base_rear[0], 256.0], [base_front[0], 256.0]]])

    marks: list[tuple] = []
    x0, x1 = base_front[0] + 10, base_rear[0] - 10
    for _ in range(int(rng.integers(1, 5))):  # rake scars: groups of parallel lines
        cx, cy = rng.uniform(x0, x1), rng.uniform(90, 220)
        ang = rng.uniform(-1.2, 1.2)
        length = rng.uniform(15, 50)
        n_lines = int(rng.integers(1, 4))
        gap = rng.uniform(8, 14)
        shade = float(rng.uniform(0.3, 0.6))
        width = int(rng.integers(3, 8))
        for k in range(n_lines):
            ox = -math.sin(ang) * gap * k
            oy = math.cos(ang) * gap * k
            dx, dy = math.cos(ang) * length / 2, math.sin(ang) * length / 2
            marks.append(("line", (cx + ox - dx, cy + oy - dy, cx + ox + dx, cy + oy + dy),
                          shade, width))
    for _ in range(int(rng.integers(1, 5))):  # pale or dark patches
        cx, cy = rng.uniform(x0, x1), rng.uniform(70, 225)
        rx, ry = rng.uniform(8, 28), rng.uniform(6, 20)
        shade = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.15, 0.4))
        marks.append(("ellipse", (cx - rx, cy - ry, cx + rx, cy + ry), shade, 0))
    tone = float(rng.uniform(0.25, 0.55))
    return FinIdentity(seed=int(individual_seed), outline=outline, tone=tone, marks=tuple(marks))


def _fin_layer(identity: FinIdentity, light_dir: float) -> Image.Image:
    """Draw the fin in canonical coordinates as an RGBA image."""
    c = _CANVAS
    yy, xx = np.mgrid[0:c, 0:c].astype(np.float32) / c
    shading = 0.75 + 0.5 * (math.cos(light_dir) * (xx - 0.5) + math.sin(light_dir) * (0.5 - yy))
    grey = np.clip(identity.tone * shading, 0.0, 1.0)
    marks_img = Image.new("L", (c, c), 128)
    draw = ImageDraw.Draw(marks_img)
    for kind, coords, shade, width in identity.marks:
        value = int(np.clip(128 + shade * 255, 0, 255))
        if kind == "line":
            draw.line(coords, fill=value, width=width)
        else:
            draw.ellipse(coords, fill=value)
    delta = (np.asarray(marks_img, dtype=np.float32) - 128.0) / 255.0
    grey = np.clip(grey + delta, 0.0, 1.0)
    rgb = np.stack([grey * 0.97, grey * 0.99, grey * 1.03], axis=-1)
    alpha = Image.new("L", (c, c), 0)
    ImageDraw.Draw(alpha).polygon([tuple(p) for p in identity.outline], fill=255)
    layer = Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB")
    layer.putalpha(alpha)
    return layer


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    small = rng.random((cells, cells)).astype(np.float32)
    img = Image.fromarray((small * 255).astype(np.uint8), "L").resize((size, size),
                                                                       Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _sea(rng: np.random.Generator, size: int) -> np.ndarray:
    base = np.array([rng.uniform(0.15, 0.45), rng.uniform(0.3, 0.55), rng.uniform(0.4, 0.7)])
    if rng.random() < 0.3:  # grey, overcast sea
        base = np.full(3, rng.uniform(0.35, 0.7))
    grad = np.linspace(rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2), size)[:, None, None]
    waves = _smooth_noise(rng, size, int(rng.integers(4, 14)))[..., None]
    ripple = _smooth_noise(rng, size, int(rng.integers(20, 48)))[..., None]
    sea = base * grad * (0.8 + 0.3 * waves) + 0.12 * (ripple - 0.5)
    return np.clip(sea, 0.0, 1.0).astype(np.float32)


def _affine_inverse(m: np.ndarray) -> tuple[float, ...]:
    inv = np.linalg.inv(m)
    return tuple(float(v) for v in inv[:2].reshape(-1))


def render_individual_photo(
    *, individual_seed: int, photo_seed: int, size: int = 224, as_array: bool = False
) -> Image.Image | np.ndarray:
    """Render one photo of one individual.

    The same ``(individual_seed, photo_seed, size)`` always gives identical pixels.
    Returns an RGB ``PIL.Image`` (or a ``uint8`` array ``size x size x 3`` when
    ``as_array``).
    """
    identity = fin_identity(individual_seed=individual_seed)
    rng = np.random.default_rng([int(individual_seed) & 0xFFFFFFFF,
                                 int(photo_seed) & 0xFFFFFFFF, 104729])
    work = size
    sea = _sea(rng, work)

    layer = _fin_layer(identity, light_dir=rng.uniform(0, 2 * math.pi))
    scale = rng.uniform(0.7, 1.05) * work / _CANVAS
    squash = rng.uniform(0.8, 1.0)  # view angle foreshortening
    angle = math.radians(rng.normal(0.0, 6.0))
    shear = rng.normal(0.0, 0.05)
    cx = work / 2 + rng.normal(0, 0.06) * work
    cy = work / 2 + rng.normal(0, 0.05) * work + 0.05 * work
    to_centre = np.array([[1, 0, -_CANVAS / 2], [0, 1, -_CANVAS / 2], [0, 0, 1]], float)
    stretch = np.array([[scale * squash, shear * scale, 0], [0, scale, 0], [0, 0, 1]])
    rot = np.array([[math.cos(angle), -math.sin(angle), 0],
                    [math.sin(angle), math.cos(angle), 0], [0, 0, 1]])
    place = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], float)
    fwd = place @ rot @ stretch @ to_centre
    warped = layer.transform((work, work), Image.AFFINE, _affine_inverse(fwd),
                             resample=Image.BILINEAR)
    fin = np.asarray(warped, dtype=np.float32) / 255.0
    alpha = fin[..., 3:4]
    img = sea * (1 - alpha) + fin[..., :3] * alpha

    yy, xx = np.mgrid[0:work, 0:work].astype(np.float32) / work
    # Water occlusion: a wavy waterline over the base of the fin.
    base_y = (fwd @ np.array([_CANVAS / 2, 236.0, 1.0]))[1] / work
    level = base_y - rng.uniform(-0.02, 0.22)
    phase, freq = rng.uniform(0, 2 * math.pi), rng.uniform(6, 25)
    line = level + rng.uniform(0.005, 0.03) * np.sin(freq * xx[0] + phase)
    below = (yy > line[None, :]).astype(np.float32)[..., None]
    water = _sea(rng, work)
    foam = np.clip(1 - np.abs(yy - line[None, :]) / rng.uniform(0.01, 0.04), 0, 1)[..., None]
    img = img * (1 - below) + water * below
    img = img + foam * rng.uniform(0.1, 0.5)

    # Light: exposure, contrast, colour cast.
    img = (img - 0.5) * rng.uniform(0.7, 1.3) + 0.5 + rng.normal(0, 0.08)
    img = img * rng.uniform(0.9, 1.1, size=3)
    # Glare: a bright soft spot.
    if rng.random() < 0.6:
        gx, gy = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
        gr = rng.uniform(0.05, 0.25)
        glare = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * gr**2))
        img = img + glare[..., None] * rng.uniform(0.2, 0.8)
    # Spray: white droplets, denser near the waterline.
    if rng.random() < 0.5:
        n = int(rng.integers(50, 600))
        px = rng.integers(0, work, n)
        py = np.clip(rng.normal(line.mean() * work, work * 0.12, n), 0, work - 1).astype(int)
        spray = np.zeros((work, work), np.float32)
        spray[py, px] = rng.uniform(0.5, 1.0, n)
        spray_img = Image.fromarray((spray * 255).astype(np.uint8), "L").filter(
            ImageFilter.MaxFilter(3)).filter(ImageFilter.GaussianBlur(1.5))
        img = img + (np.asarray(spray_img, np.float32) / 255.0)[..., None] * 0.9
    img = np.clip(img, 0.0, 1.0)
    out = Image.fromarray((img * 255).astype(np.uint8), "RGB").resize((size, size),
                                                                       Image.BILINEAR)
    blur = rng.uniform(0.0, 1.6) if rng.random() < 0.6 else 0.0
    if blur > 0.2:
        out = out.filter(ImageFilter.GaussianBlur(blur * size / 224))
    arr = np.asarray(out, np.float32)
    arr = arr + rng.normal(0, rng.uniform(1, 7), arr.shape)
    arr8 = np.clip(arr, 0, 255).astype(np.uint8)
    return arr8 if as_array else Image.fromarray(arr8, "RGB")


def render_batch(
    *, individual_seeds: list[int], photos_per_individual: int, size: int, photo_offset: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Render ``photos_per_individual`` photos of each individual as a uint8 array.

    Returns ``(images NxSxSx3 uint8, labels N int64)`` where labels index
    ``individual_seeds``.
    """
    images = np.empty((len(individual_seeds) * photos_per_individual, size, size, 3), np.uint8)
    labels = np.empty(len(images), np.int64)
    i = 0
    for label, seed in enumerate(individual_seeds):
        for p in range(photos_per_individual):
            images[i] = render_individual_photo(individual_seed=seed, photo_seed=photo_offset + p,
                                                size=size, as_array=True)
            labels[i] = label
            i += 1
    return images, labels


def render_jpeg(*, individual_seed: int, photo_seed: int, size: int = 224,
                quality: int = 90) -> bytes:
    """One photo of one individual as the bytes of a JPEG file (deterministic)."""
    buffer = io.BytesIO()
    render_individual_photo(individual_seed=individual_seed, photo_seed=photo_seed,
                            size=size).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _upload_one(args: tuple[int, int, int, int, int]) -> np.ndarray:
    from .preprocess import load_image

    individual_seed, photo_seed, size, render_size, quality = args
    data = render_jpeg(individual_seed=individual_seed, photo_seed=photo_seed,
                       size=render_size, quality=quality)
    return load_image(data, size=size, as_uint8=True)


def render_uploads(
    *, individual_seeds: list[int], photos_per_individual: int, size: int,
    photo_offset: int = 0, render_size: int = 224, quality: int = 90, processes: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`render_batch`, but each photo takes the way of an uploaded one.

    Rendered at ``render_size``, saved as a JPEG and loaded by
    :func:`dois.ml.preprocess.load_image` at ``size``: the same pixels the evaluation
    and the site see (a fin rendered straight at a small size is sharper and noisier
    than one downscaled from a photo). ``processes`` > 1 renders in that many fresh
    (spawned) processes; the result does not depend on it.
    """
    jobs = [(seed, photo_offset + p, size, render_size, quality)
            for seed in individual_seeds for p in range(photos_per_individual)]
    labels = np.repeat(np.arange(len(individual_seeds), dtype=np.int64), photos_per_individual)
    if processes > 1 and len(jobs) > 64:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            arrays = pool.map(_upload_one, jobs, chunksize=64)
    else:
        arrays = [_upload_one(job) for job in jobs]
    images = np.stack(arrays) if arrays else np.zeros((0, size, size, 3), np.uint8)
    return images, labels


def dataset_seeds(*, seed: int, n_individuals: int) -> list[int]:
    """The individual seeds of ``write_dataset(seed=seed, n_individuals=...)``, in order."""
    return [seed * 1_000_003 + i for i in range(n_individuals)]


def write_dataset(
    *, root: str | Path, n_individuals: int, photos_per_individual: int, seed: int = 0,
    size: int = 224, quality: int = 90
) -> list[Path]:
    """Write ``root/<individual>/<n>.jpg`` for a synthetic catalogue; return the paths.

    Individual ``i`` uses ``individual_seed = seed * 1_000_003 + i``, so different
    ``seed`` values give disjoint sets of individuals.
    """
    root = Path(root)
    paths: list[Path] = []
    for i, ind_seed in enumerate(dataset_seeds(seed=seed, n_individuals=n_individuals)):
        folder = root / f"fin-{seed}-{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        for p in range(photos_per_individual):
            path = folder / f"{p}.jpg"
            path.write_bytes(render_jpeg(individual_seed=ind_seed, photo_seed=p, size=size,
                                         quality=quality))
            paths.append(path)
    return paths


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

__all__ += ["FinShape", "fin_shape", "Scene", "render_scene", "render_scenes", "view_edge"]


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
