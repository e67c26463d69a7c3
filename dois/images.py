"""DoIs renderings of a photo: EXIF-free JPEGs of the fin crop, a square, the whole photo.

Checking uploads and decoding belong to :mod:`common.images`; this module only knows
which renderings DoIs shows. Each is decoded at the scale it needs
(:func:`common.images.image_load` with ``longest``), so a 60-megapixel JPEG costs a few
megabytes, not hundreds. No database access here; :mod:`dois.services` calls these.
"""

from __future__ import annotations

from PIL import Image

from common.images import image_jpeg, image_load

# kind: (longest side in pixels, cropped to the fin box)
DERIVATIVES: dict[str, tuple[int, bool]] = {
    "crop": (640, True),
    "detail": (1600, True),  # the fin crop for zooming in (compare page)
    "thumb": (240, True),
    "square": (224, True),
    "full": (1600, False),
}


def square_pad(image: Image.Image, size: int | None = None, *,
               fill=(0, 0, 0)) -> Image.Image:
    """Pad ``image`` to a square (never stretch), then resize it to ``size`` if given."""
    side = max(image.width, image.height)
    square = Image.new("RGB", (side, side), fill)
    square.paste(image.convert("RGB"), ((side - image.width) // 2,
                                        (side - image.height) // 2))
    if size:
        square = square.resize((size, size), Image.Resampling.LANCZOS)
    return square


def fin_square(source, *, box: tuple[int, int, int, int], size: int) -> Image.Image:
    """The fin crop ``box`` of an original, padded to a ``size`` square (RGB)."""
    return square_pad(image_load(source, box=box, longest=size), size)


def render_derivative(source, *, box: tuple[int, int, int, int], kind: str) -> bytes:
    """An EXIF-free JPEG of an original (bytes or a file): ``crop``, ``detail``, ``thumb``,
    ``square``
    (the crop padded to 224 x 224) or ``full``. Raises ``KeyError`` for another kind and
    :class:`common.images.ImageRejected` for a file that cannot be decoded."""
    longest, cropped = DERIVATIVES[kind]
    if kind == "square":
        return image_jpeg(fin_square(source, box=box, size=longest))
    image = image_load(source, box=box if cropped else None, longest=longest)
    return image_jpeg(image, longest=longest)
