"""Decode, crop, square-pad, resize and normalise photos for the fin embedder.

The crop box is ``(left, top, right, bottom)`` in pixels of the photo as a person sees
it (after EXIF orientation), right/bottom exclusive. A crop is padded to a square
with a constant grey and then resized, so the content's aspect ratio is never
changed. JPEGs are decoded at a reduced scale (``Image.draft``) when the crop still
has at least the target resolution, which makes large camera files cheap to load.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "ImageDecodeError",
    "BoxError",
    "PAD_VALUE",
    "decode_image",
    "crop_square",
    "load_image",
    "load_images",
    "to_float",
]

PAD_VALUE = 127  # grey used to pad crops to a square
Box = tuple[float, float, float, float]
Source = str | Path | bytes | bytearray | memoryview


class ImageDecodeError(ValueError):
    """The file is missing, corrupt or not an image."""


class BoxError(ValueError):
    """The crop box is empty or lies outside the image."""


_ORIENT_SWAPS = {5, 6, 7, 8}  # EXIF orientations that swap width and height


def _open(source: Source) -> Image.Image:
    try:
        if isinstance(source, bytes | bytearray | memoryview):
            img = Image.open(io.BytesIO(bytes(source)))
        else:
            img = Image.open(Path(source))
    except FileNotFoundError as exc:
        raise ImageDecodeError(f"image file not found: {source}") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        name = "<bytes>" if not isinstance(source, str | Path) else str(source)
        raise ImageDecodeError(f"cannot decode image {name}: {exc}") from exc
    return img


def decode_image(source: Source, *, box: Box | None = None, min_side: int | None = None
                 ) -> tuple[Image.Image, Box | None]:
    """Decode ``source`` to an RGB image with EXIF orientation applied.

    When ``min_side`` is given, a JPEG is decoded at the smallest scale that keeps the
    crop region (or the whole image) at least ``min_side`` pixels on its long side.
    Returns the image and the box rescaled to that image's pixels.
    """
    img = _open(source)
    try:
        orientation = int(img.getexif().get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001 - broken EXIF must not block decoding
        orientation = 1
    raw_w, raw_h = img.size
    full_w, full_h = (raw_h, raw_w) if orientation in _ORIENT_SWAPS else (raw_w, raw_h)
    if box is not None:
        box = _check_box(box, full_w, full_h)
    try:
        if min_side and img.format == "JPEG":
            region = max(box[2] - box[0], box[3] - box[1]) if box else max(full_w, full_h)
            scale = min(1.0, min_side / max(region, 1.0))
            if scale < 1.0:
                img.draft("RGB", (math.ceil(raw_w * scale), math.ceil(raw_h * scale)))
        img = ImageOps.exif_transpose(img)
        img = img.convert("RGB")
        img.load()
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageDecodeError(f"cannot decode image: {exc}") from exc
    if box is not None and img.size != (full_w, full_h):
        sx, sy = img.size[0] / full_w, img.size[1] / full_h
        box = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
    return img, box


def _check_box(box: Box, width: int, height: int) -> Box:
    try:
        left, top, right, bottom = (float(v) for v in box)
    except (TypeError, ValueError) as exc:
        raise BoxError(f"crop box must be (left, top, right, bottom), got {box!r}") from exc
    if not (right > left and bottom > top):
        raise BoxError(f"crop box {box!r} is empty")
    cl, ct = max(left, 0.0), max(top, 0.0)
    cr, cb = min(right, float(width)), min(bottom, float(height))
    if cr - cl < 1 or cb - ct < 1:
        raise BoxError(f"crop box {box!r} lies outside the image ({width}x{height})")
    return (cl, ct, cr, cb)


def crop_square(img: Image.Image, *, box: Box | None = None, size: int,
                pad_value: int = PAD_VALUE) -> Image.Image:
    """Crop ``img`` to ``box``, pad it to a centred square and resize to ``size``."""
    if box is not None:
        box = _check_box(box, *img.size)
        img = img.crop(tuple(round(v) for v in box))
    w, h = img.size
    side = max(w, h)
    # Resize first (keeping the aspect ratio), then pad: cheaper than padding first.
    scale = size / side
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    if (new_w, new_h) != (w, h):
        img = img.resize((new_w, new_h), Image.BILINEAR, reducing_gap=2.0)
    canvas = Image.new("RGB", (size, size), (pad_value,) * 3)
    canvas.paste(img, ((size - new_w) // 2, (size - new_h) // 2))
    return canvas


def to_float(array: np.ndarray) -> np.ndarray:
    """Normalise uint8 pixels to float32 in [0, 1] (the embedder's input range)."""
    return np.asarray(array, dtype=np.float32) * np.float32(1.0 / 255.0)


def load_image(source: Source, *, box: Box | None = None, size: int = 160,
               as_uint8: bool = False) -> np.ndarray:
    """Load a photo as a ``size x size x 3`` array ready for the embedder.

    ``source`` is a path or the file's bytes; ``box`` an optional crop
    ``(left, top, right, bottom)`` in oriented pixels. Returns float32 in [0, 1]
    (or uint8 with ``as_uint8``). Raises ``ImageDecodeError`` for unreadable files
    and ``BoxError`` for an empty or outside box.
    """
    img, scaled_box = decode_image(source, box=box, min_side=size)
    square = crop_square(img, box=scaled_box, size=size)
    arr = np.asarray(square, dtype=np.uint8)
    return arr if as_uint8 else to_float(arr)


def load_images(sources: Sequence[Source], *, boxes: Sequence[Box | None] | None = None,
                size: int = 160, as_uint8: bool = False) -> np.ndarray:
    """Load several photos into one ``N x size x size x 3`` batch."""
    boxes = boxes if boxes is not None else [None] * len(sources)
    if len(boxes) != len(sources):
        raise ValueError("boxes must have one entry per source")
    dtype = np.uint8 if as_uint8 else np.float32
    out = np.empty((len(sources), size, size, 3), dtype)
    for i, (src, box) in enumerate(zip(sources, boxes, strict=True)):
        out[i] = load_image(src, box=box, size=size, as_uint8=as_uint8)
    return out
