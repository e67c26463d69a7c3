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


# Field scenes with exact masks (the segmenter's and edge vector's training data) live in
# dois.ml.scenes; their names stay importable from here.
from dois.ml.scenes import (  # noqa: E402
    FinShape,
    Scene,
    fin_shape,
    render_scene,
    render_scenes,
    view_edge,
)

__all__ += ["FinShape", "fin_shape", "Scene", "render_scene", "render_scenes", "view_edge"]
