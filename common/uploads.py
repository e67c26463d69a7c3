"""Reading an uploaded file with its size limit checked before the bytes are read."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


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
