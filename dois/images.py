"""Pillow helpers: checking uploads, reading EXIF, rendering EXIF-free derivatives.

No database access here; :mod:`dois.services` calls these.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "TIFF", "MPO"}
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
TAG_DATETIME_ORIGINAL = 36867
TAG_DATETIME = 306


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
    except Exception:  # noqa: BLE001 - broken EXIF is no reason to reject a photo
        return None, None, None
    taken_at = None
    raw = exif.get_ifd(EXIF_IFD).get(TAG_DATETIME_ORIGINAL) or exif.get(TAG_DATETIME)
    if raw:
        try:
            taken_at = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken_at = None
    latitude = longitude = None
    gps = exif.get_ifd(GPS_IFD)
    if gps and 2 in gps and 4 in gps:
        latitude = _dms(gps[2], gps.get(1, "N"))
        longitude = _dms(gps[4], gps.get(3, "E"))
        if latitude is None or longitude is None or not (
            -90 <= latitude <= 90 and -180 <= longitude <= 180
        ):
            latitude = longitude = None
    return taken_at, latitude, longitude


MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")


def _looks_like_image(data: bytes) -> bool:
    return data.startswith(MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def image_inspect(data: bytes, *, max_pixels: int) -> ImageInfo:
    """Check that ``data`` is a whole, decodable image of acceptable size.

    Raises :class:`ImageRejected` with a message for the volunteer.
    """
    from django.utils.translation import gettext as _

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (UnidentifiedImageError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:
            if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
                raise ImageRejected(_("The image has too many pixels.")) from exc
            if _looks_like_image(data):
                raise ImageRejected(_("The image is broken or truncated.")) from exc
            raise ImageRejected(_("This file is not an image we can read.")) from exc
        except OSError as exc:
            if _looks_like_image(data):
                raise ImageRejected(_("The image is broken or truncated.")) from exc
            raise ImageRejected(_("This file is not an image we can read.")) from exc
        if image.format not in ACCEPTED_FORMATS:
            raise ImageRejected(
                _("Unsupported image format %(format)s: use JPEG, PNG, WebP or TIFF.")
                % {"format": image.format}
            )
        if image.width * image.height > max_pixels:
            raise ImageRejected(
                _("The image has too many pixels (%(pixels)s; at most %(max)s).")
                % {"pixels": image.width * image.height, "max": max_pixels}
            )
        taken_at, latitude, longitude = exif_read(image)
        try:
            image.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
            displayed = ImageOps.exif_transpose(image)
        except Exception as exc:  # noqa: BLE001 - any decoder error means a broken file
            raise ImageRejected(_("The image is broken or truncated.")) from exc
    return ImageInfo(format=image.format or "", width=displayed.width,
                     height=displayed.height, taken_at=taken_at, latitude=latitude,
                     longitude=longitude)


def crop_square(image: Image.Image, box: tuple[int, int, int, int], size: int | None,
                *, fill=(0, 0, 0)) -> Image.Image:
    """Crop ``box``, pad to a square (never stretch), resize to ``size`` if given."""
    crop = image.crop(box)
    side = max(crop.width, crop.height)
    square = Image.new("RGB", (side, side), fill)
    square.paste(crop, ((side - crop.width) // 2, (side - crop.height) // 2))
    if size:
        square = square.resize((size, size), Image.Resampling.LANCZOS)
    return square


def render_derivative(fh, *, box: tuple[int, int, int, int], kind: str) -> bytes:
    """An EXIF-free JPEG of the original: ``crop`` (fin), ``square`` (224), ``full``."""
    image = Image.open(fh)
    image = ImageOps.exif_transpose(image).convert("RGB")
    if kind == "crop":
        out = image.crop(box)
        out.thumbnail((640, 640))
    elif kind == "thumb":
        out = image.crop(box)
        out.thumbnail((240, 240))
    elif kind == "square":
        out = crop_square(image, box, 224)
    elif kind == "full":
        out = image
        out.thumbnail((1600, 1600))
    else:
        raise ValueError(kind)
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=85)  # no exif= argument: nothing of EXIF is written
    return buffer.getvalue()
