"""Checking uploaded images and re-encoding them, with memory bounded by the pixel limit.

- The pixel count is read from the header and checked before anything is decoded.
- ``verify()`` runs on a fresh decoder before anything else reads the file (Pillow
  refuses to verify a PNG whose EXIF was already read).
- JPEGs are decoded at a reduced scale (libjpeg's DCT scaling, up to 1/8 per side), so a
  60-megapixel photo costs a few megabytes to check; other formats are decoded once, at
  most ``max_pixels`` pixels.
- Any decoder error (truncated data, oversized text chunks, bad EXIF) becomes
  :class:`ImageRejected` with a message for the person who uploaded the file.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "TIFF", "MPO"})
EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "TIFF": "tif"}
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
TAG_ORIENTATION = 0x0112
TAG_DATETIME_ORIGINAL = 36867
TAG_DATETIME = 306
MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")


class ImageRejected(ValueError):
    """The file is not an image we can keep; the message says why (translated)."""


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int  # as displayed (after EXIF orientation)
    height: int
    taken_at: datetime | None  # naive local time as the camera wrote it
    latitude: float | None
    longitude: float | None


def _ratio(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return float(num) / float(den)


def _dms(values, ref) -> float | None:
    try:
        degrees, minutes, seconds = (_ratio(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref).strip().upper() in {"S", "W"}:
        decimal = -decimal
    return decimal


def exif_read(image: Image.Image) -> tuple[datetime | None, float | None, float | None]:
    """(DateTimeOriginal, latitude, longitude) from an opened image; None where absent."""
    try:
        exif = image.getexif()
        raw = exif.get_ifd(EXIF_IFD).get(TAG_DATETIME_ORIGINAL) or exif.get(TAG_DATETIME)
        gps = exif.get_ifd(GPS_IFD)
    except Exception:  # noqa: BLE001 - broken EXIF is no reason to reject a photo
        return None, None, None
    taken_at = None
    if raw:
        try:
            taken_at = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken_at = None
    latitude = longitude = None
    if gps and 2 in gps and 4 in gps:
        latitude = _dms(gps[2], gps.get(1, "N"))
        longitude = _dms(gps[4], gps.get(3, "E"))
        if latitude is None or longitude is None or not (
            -90 <= latitude <= 90 and -180 <= longitude <= 180
        ):
            latitude = longitude = None
    return taken_at, latitude, longitude


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(TAG_ORIENTATION, 1))
    except Exception:  # noqa: BLE001
        return 1


def looks_like_image(data: bytes) -> bool:
    return data.startswith(MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    """Open (header only) and check format and pixel count; nothing is decoded yet."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(_("The image has too many pixels.")) from exc
        except Exception as exc:  # noqa: BLE001 - any opener error: not usable
            if looks_like_image(data):
                raise ImageRejected(_("The image is broken or truncated.")) from exc
            raise ImageRejected(_("This file is not an image we can read.")) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise ImageRejected(
            _("Unsupported image format %(format)s: use JPEG, PNG, WebP or TIFF.")
            % {"format": image.format})
    if image.width * image.height > max_pixels:
        raise ImageRejected(
            _("The image has too many pixels (%(pixels)s; at most %(max)s).")
            % {"pixels": image.width * image.height, "max": max_pixels})
    return image


def _decode_reduced(image: Image.Image, *, longest: int | None) -> Image.Image:
    """Decode ``image``; a JPEG at the smallest DCT scale whose longest side ≥ ``longest``."""
    if image.format in ("JPEG", "MPO"):
        if longest is None:
            requested = (max(1, math.ceil(image.width / 8)), max(1, math.ceil(image.height / 8)))
        else:
            factor = min(1.0, longest / max(image.width, image.height))
            requested = (max(1, math.ceil(image.width * factor)),
                         max(1, math.ceil(image.height * factor)))
        image.draft("RGB", requested)
    image.load()
    return image


def image_inspect(data: bytes, *, max_pixels: int) -> ImageInfo:
    """Check that ``data`` is a whole, decodable image of acceptable size.

    Raises :class:`ImageRejected` with a message for the person who uploaded it.
    """
    image = _open(data, max_pixels=max_pixels)
    fmt, width, height = image.format, image.width, image.height
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.verify()
            image = Image.open(io.BytesIO(data))
            _decode_reduced(image, longest=None)
    except Exception as exc:  # noqa: BLE001 - any decoder error means a broken file
        raise ImageRejected(_("The image is broken or truncated.")) from exc
    taken_at, latitude, longitude = exif_read(image)
    if _orientation(image) in (5, 6, 7, 8):
        width, height = height, width
    return ImageInfo(format=fmt or "", width=width, height=height, taken_at=taken_at,
                     latitude=latitude, longitude=longitude)


def image_load(source, *, box: tuple[int, int, int, int] | None = None,
               longest: int | None = None, max_pixels: int | None = None) -> Image.Image:
    """An RGB image, EXIF orientation applied, optionally cropped to ``box``.

    ``box`` is ``(left, top, right, bottom)`` in displayed pixels of the full image.
    ``longest`` is the longest side the caller needs of the (cropped) result: JPEGs are
    decoded only at the scale that gives it. The result is at least that large where the
    original is, and never larger than the original.
    """
    data = source if isinstance(source, bytes) else source.read()
    image = _open(data, max_pixels=max_pixels or Image.MAX_IMAGE_PIXELS)
    full_w, full_h = image.width, image.height
    if _orientation(image) in (5, 6, 7, 8):
        full_w, full_h = full_h, full_w
    need = None
    if longest is not None:
        region = max(box[2] - box[0], box[3] - box[1]) if box else max(full_w, full_h)
        need = math.ceil(longest * max(full_w, full_h) / max(region, 1))
    _decode_reduced(image, longest=need)
    image = ImageOps.exif_transpose(image).convert("RGB")
    if box is not None:
        scale = image.width / full_w
        box = tuple(round(v * scale) for v in box)
        image = image.crop(box)
    return image


def image_jpeg(image: Image.Image, *, longest: int | None = None, quality: int = 85) -> bytes:
    """An EXIF-free JPEG of ``image``, shrunk so its longest side is at most ``longest``."""
    if longest is not None and max(image.size) > longest:
        image = image.copy()
        image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)  # no exif= argument
    return buffer.getvalue()


def image_reencode(data: bytes, *, longest: int, max_pixels: int) -> bytes:
    """Check ``data`` and return it as an EXIF-free JPEG of at most ``longest`` pixels."""
    image_inspect(data, max_pixels=max_pixels)
    try:
        return image_jpeg(image_load(data, longest=longest, max_pixels=max_pixels),
                          longest=longest)
    except ImageRejected:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ImageRejected(_("The image is broken or truncated.")) from exc
