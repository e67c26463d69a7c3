"""Reading an uploaded file with its size limit checked before the bytes are read, and
checking an uploaded image before anything keeps it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.images import ImageInfo, ImageRejected, image_inspect


class UploadRejected(ValueError):
    """The upload cannot be kept; the message says why (translated)."""


def upload_read(upload, *, max_bytes: int | None = None) -> bytes:
    """The whole upload, or :class:`UploadRejected` if it is empty or over ``max_bytes``.

    The declared size is checked first; the read stops one byte past the limit, so a
    stream that lies about its size never costs more memory than the limit.
    """
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    size = getattr(upload, "size", None)
    too_large = _("The file is too large (%(size)s MB; at most %(max)s MB).")
    if size is not None and size > limit:
        raise UploadRejected(too_large % {"size": round(size / 2**20, 1),
                                          "max": round(limit / 2**20, 1)})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(too_large % {"size": "> " + str(round(limit / 2**20, 1)),
                                          "max": round(limit / 2**20, 1)})
    if not data:
        raise UploadRejected(_("The file is empty."))
    return data


def image_upload_check(upload, *, field: str = "image", max_bytes: int | None = None,
                       max_pixels: int | None = None) -> tuple[bytes, ImageInfo]:
    """Read one uploaded image and check it is one we keep: its bytes and facts.

    The size is checked before the bytes are read (:func:`upload_read`, default
    ``UPLOAD_MAX_BYTES``), the pixel count before anything is decoded, and a JPEG is
    decoded at reduced scale (:func:`common.images.image_inspect`, default
    ``UPLOAD_MAX_PIXELS``), so memory stays bounded whatever is sent. A refused file
    raises ``ValidationError({field: message})`` with the message for the person who
    sent it.
    """
    pixels = settings.UPLOAD_MAX_PIXELS if max_pixels is None else max_pixels
    try:
        data = upload_read(upload, max_bytes=max_bytes)
        return data, image_inspect(data, max_pixels=pixels)
    except (UploadRejected, ImageRejected) as exc:
        raise ValidationError({field: str(exc)}) from exc
