"""Stored files: unguessable names, and responses that never serve them as active content.

No stored file is reachable by a URL built from public data. Nothing under
``MEDIA_ROOT`` is served by a URL pattern of its own: each file goes out through a view
that first checks who may see it, then calls :func:`file_response`, which

- on the filesystem backend streams the file (or, where ``MEDIA_ACCEL_REDIRECT`` names an
  internal nginx location, hands it to nginx with ``X-Accel-Redirect``);
- on S3 redirects to a signed URL that expires after ``MEDIA_SIGNED_URL_TTL_S`` seconds
  and makes S3 send the same ``Content-Type`` and ``Content-Disposition``.

Every response is ``nosniff``, sandboxed by its CSP and an attachment unless it is an
image format the site re-encoded itself (JPEG, PNG, WebP). SVG and HTML are never inline.
"""

from __future__ import annotations

import logging
import mimetypes
import secrets
from collections.abc import Iterable
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import DefaultStorage, Storage, storages
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.deconstruct import deconstructible
from django.utils.http import content_disposition_header

# Formats we produce ourselves by re-encoding; only these may be shown inline.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
# Types passed on as they are (as attachments unless inline); any other becomes
# application/octet-stream, so HTML, SVG, XML or script never reach a browser as such.
PASSED_TYPES = INLINE_TYPES | frozenset({
    "application/pdf", "application/zip", "application/gzip", "application/json",
    "application/x-ipynb+json", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.ms-powerpoint",
})
MEDIA_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"

logger = logging.getLogger(__name__)


def random_name(*, folder: str, filename: str = "", extension: str | None = None) -> str:
    """``folder/<32 random url-safe characters>.<ext>``: nothing public leads to it."""
    if extension is None:
        extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    extension = "".join(c for c in (extension or "") if c.isalnum())[:10]
    token = secrets.token_urlsafe(24)
    folder = folder.strip("/")
    return f"{folder}/{token}.{extension}" if extension else f"{folder}/{token}"


@deconstructible
class RandomName:
    """An ``upload_to`` that keeps only the extension of the uploaded file's name."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return random_name(folder=self.folder, filename=filename)

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder


def _is_s3(storage: Storage) -> bool:
    return type(storage).__module__.startswith("storages.backends.s3")


def _real(storage: Storage | None) -> Storage:
    """The storage itself, not Django's lazy ``default_storage`` wrapper around it."""
    if storage is None or isinstance(storage, DefaultStorage):
        return storages["default"]
    return storage


def _safe_type(content_type: str, *, inline: bool) -> tuple[str, bool]:
    base = content_type.split(";")[0].strip().lower()
    if base not in PASSED_TYPES:
        return "application/octet-stream", False
    return content_type, inline and base in INLINE_TYPES


def _harden(response: HttpResponse, *, private: bool) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = ("private, max-age=3600" if private
                                 else "public, max-age=86400")
    return response


def file_response(*, name: str, filename: str = "", content_type: str | None = None,
                  inline: bool = False, private: bool = True,
                  storage: Storage | None = None) -> HttpResponse:
    """The response for stored file ``name``, after the caller has checked access.

    ``inline`` is honoured only for JPEG, PNG and WebP; anything else is an attachment.
    ``private`` marks the response as not cacheable by shared caches.
    """
    storage = _real(storage)
    filename = filename or PurePosixPath(name).name
    if content_type is None:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    content_type, as_inline = _safe_type(content_type, inline=inline)
    disposition = content_disposition_header(not as_inline, filename)
    if _is_s3(storage):
        url = storage.url(name, parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
        }, expire=settings.MEDIA_SIGNED_URL_TTL_S)
        response = HttpResponseRedirect(url)
        response["Referrer-Policy"] = "no-referrer"
        return _harden(response, private=True)
    accel = settings.MEDIA_ACCEL_REDIRECT
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{name.lstrip('/')}"
    else:
        try:
            handle = storage.open(name, "rb")
        except FileNotFoundError as exc:  # the row outlived its file: nothing to send
            raise Http404 from exc
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = disposition
    return _harden(response, private=private)


def bytes_response(*, data: bytes, filename: str, content_type: str, inline: bool = False,
                   private: bool = True) -> HttpResponse:
    """Like :func:`file_response` for content made in the request (derivatives, exports)."""
    content_type, as_inline = _safe_type(content_type, inline=inline)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not as_inline, filename)
    return _harden(response, private=private)


def files_delete_on_commit(*, files: Iterable[FieldFile | None]) -> None:
    """Remove stored files once the transaction that dropped their rows commits.

    After the commit, never before: a rolled-back delete keeps its files. The names are
    taken now, so a field given a new file afterwards still loses only the old one. A
    file that is already gone, or a storage that fails, is logged and does not undo the
    delete. Empty fields are skipped.
    """
    targets = [(f.storage, f.name) for f in files if f and f.name]
    if not targets:
        return

    def delete() -> None:
        for storage, name in targets:
            try:
                storage.delete(name)
            except Exception:  # any storage backend's error: the row is gone anyway
                logger.warning("could not delete stored file %s", name, exc_info=True)

    transaction.on_commit(delete)


def files_delete_now(*, files: Iterable[FieldFile | None]) -> None:
    """Remove stored files whose row was never saved (a failed save after storing them).

    A storage error is logged: nothing refers to the file, and the caller's own error
    is the one to report.
    """
    for f in files:
        if f and f.name:
            try:
                f.storage.delete(f.name)
            except Exception:  # any storage backend's error: nothing refers to it
                logger.warning("could not delete stored file %s", f.name, exc_info=True)
