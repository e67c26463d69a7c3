"""Which files a material may be, decided by their content.

An allow-list, checked on the bytes (the name only ever refuses):

=========  ===============================================================  ==========
type       accepted when                                                    stored as
=========  ===============================================================  ==========
pdf        starts with ``%PDF-``                                            ``.pdf``
pptx       a zip with ``[Content_Types].xml`` and ``ppt/presentation.xml``  ``.pptx``
odp        a zip whose first entry ``mimetype`` says OpenDocument           ``.odp``
           presentation
ppt        an OLE2 compound file with a ``PowerPoint Document`` stream      ``.ppt``
ipynb      JSON that nbformat validates as a notebook                       ``.ipynb``
image      JPEG, PNG, WebP or TIFF that :mod:`common.images` decodes;       ``.jpg``
           re-encoded as an EXIF-free JPEG (the only type shown inline)
zip        a zip archive whose directory reads (never extracted here)       ``.zip``
text       UTF-8 text without NUL or control bytes that does not start      ``.txt``
           like HTML, SVG or XML (code, CSV, Markdown...)
=========  ===============================================================  ==========

Which types each kind of material takes (:data:`KIND_TYPES`): slides take PDF,
PowerPoint, OpenDocument, images and zip archives; code takes text and zip archives;
a notebook takes a notebook. A valid notebook uploaded as any kind becomes a notebook.

Anything else is refused with a message naming the file: HTML, SVG, XML, JavaScript
and programs (refused by content and, in case a browser or a desktop would trust the
name, by their extension too), other office documents, unknown binaries. Every stored
file is served by :func:`common.files.file_response` with the content type of its type,
as an attachment unless it is a re-encoded image.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.images import ImageRejected, image_reencode, looks_like_image
from events.rendering import NotebookError, notebook_validate

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PPT_STREAM = "PowerPoint Document".encode("utf-16-le")
ODP_MIMETYPE = b"application/vnd.oasis.opendocument.presentation"
MAX_ZIP_ENTRIES = 20_000
IMAGE_LONGEST_SIDE = 4096

# (stored extension, content type) of each accepted type
TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odp": ("odp", "application/vnd.oasis.opendocument.presentation"),
    "ppt": ("ppt", "application/vnd.ms-powerpoint"),
    "ipynb": ("ipynb", "application/x-ipynb+json"),
    "image": ("jpg", "image/jpeg"),
    "zip": ("zip", "application/zip"),
    "text": ("txt", "text/plain; charset=utf-8"),
}
TYPE_LABELS = {
    "pdf": gettext_lazy("a PDF"),
    "pptx": gettext_lazy("a PowerPoint presentation"),
    "odp": gettext_lazy("an OpenDocument presentation"),
    "ppt": gettext_lazy("a PowerPoint presentation"),
    "ipynb": gettext_lazy("a Jupyter notebook"),
    "image": gettext_lazy("an image"),
    "zip": gettext_lazy("a zip archive"),
    "text": gettext_lazy("a text or code file"),
}
KIND_TYPES: dict[str, frozenset[str]] = {
    "slides": frozenset({"pdf", "pptx", "odp", "ppt", "image", "zip"}),
    "code": frozenset({"text", "zip", "ipynb"}),
    "notebook": frozenset({"ipynb"}),
}
# Names a browser or a desktop would open as a page, a script or a program.
REFUSED_EXTENSIONS = frozenset({
    "htm", "html", "xhtml", "xht", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl",
    "xslt", "js", "mjs", "cjs", "hta", "swf", "exe", "msi", "com", "scr", "bat", "cmd",
    "ps1", "vbs", "vbe", "wsf", "jar", "apk", "dmg", "lnk", "reg", "app",
})
MARKUP_START = re.compile(
    rb"^\s*<(?:!doctype|html|head|body|svg|\?xml|script|iframe|!--|xsl|object|embed)\b",
    re.IGNORECASE)
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


class FileRefused(ValueError):
    """The file may not be a material; the message names it and says why (translated)."""


@dataclass(frozen=True)
class MaterialFile:
    """A checked material file, ready to store."""

    type: str
    data: bytes
    download_name: str

    @property
    def extension(self) -> str:
        return TYPES[self.type][0]

    @property
    def content_type(self) -> str:
        return TYPES[self.type][1]

    @property
    def kind(self) -> str | None:
        """The kind a file of this type must be stored as, where there is only one."""
        return "notebook" if self.type == "ipynb" else None


def content_type_for(name: str) -> str:
    """The content type to serve stored file ``name`` with, from its stored extension."""
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    for stored, content_type in TYPES.values():
        if stored == extension:
            return content_type
    return {"png": "image/png", "webp": "image/webp", "jpeg": "image/jpeg"}.get(
        extension, "application/octet-stream")


def _zip_type(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise FileRefused(_("%(name)s: the archive has more than %(max)s files.")
                                  % {"name": name, "max": MAX_ZIP_ENTRIES})
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
                return "pptx"
            first = entries[0] if entries else None
            if (first is not None and first.filename == "mimetype"
                    and first.file_size <= 100
                    and archive.read(first).strip() == ODP_MIMETYPE):
                return "odp"
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile raises many types on broken input
        raise FileRefused(_("%(name)s is a broken zip archive.") % {"name": name}) from exc
    return "zip"


def _is_text(data: bytes) -> bool:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not CONTROL_BYTES.search(data) and not MARKUP_START.match(data)


def _looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def material_type(*, data: bytes, name: str, kind: str) -> str:
    """The accepted type of ``data``, or :class:`FileRefused` saying why not."""
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    if extension in REFUSED_EXTENSIONS or MARKUP_START.match(data[:4096]):
        raise FileRefused(_(
            "%(name)s: HTML, SVG, XML, JavaScript and program files are never accepted, "
            "because a browser could run them. Share a link to it, or put code in a .zip "
            "archive.") % {"name": name})
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE_MAGIC):
        if PPT_STREAM in data:
            return "ppt"
        raise FileRefused(_("%(name)s: of the old Office formats only PowerPoint (.ppt) is "
                            "accepted.") % {"name": name})
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data, name)
    if looks_like_image(data):
        return "image"
    if extension == "ipynb" or kind == "notebook" or (
            _looks_like_json(data) and b'"nbformat"' in data):
        try:
            notebook_validate(content=data)
        except NotebookError as exc:
            raise FileRefused(_("%(name)s is not a valid Jupyter notebook (%(reason)s).")
                              % {"name": name, "reason": exc}) from exc
        return "ipynb"
    if _is_text(data):
        return "text"
    raise FileRefused(_(
        "%(name)s: this type of file is not accepted. Upload a PDF, PowerPoint (.pptx, "
        ".ppt) or OpenDocument (.odp) slides, a Jupyter notebook (.ipynb), an image (JPEG, "
        "PNG, WebP), a .zip archive or a UTF-8 text or code file.") % {"name": name})


def _kind_labels(kinds) -> str:
    from events.models import Material

    labels = dict(Material.Kind.choices)
    return ", ".join(str(labels.get(kind, kind)) for kind in kinds)


def _kinds_taking(file_type: str) -> list[str]:
    return [kind for kind, types in KIND_TYPES.items() if file_type in types]


def _download_name(name: str, file_type: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    stem = re.sub(r"[\x00-\x1f\x7f/]", "", path.stem).strip(" .")[:120] or "material"
    if file_type == "text":
        suffix = path.suffix.lower()
        return f"{stem}{suffix}" if suffix and len(suffix) <= 10 else f"{stem}.txt"
    return f"{stem}.{TYPES[file_type][0]}"


def material_check(*, data: bytes, name: str, kind: str) -> MaterialFile:
    """Check an uploaded material file for ``kind``; images come back re-encoded.

    Raises :class:`FileRefused` with a message for the organiser.
    """
    name = PurePosixPath(name.replace("\\", "/")).name or "file"
    file_type = material_type(data=data, name=name, kind=kind)
    if file_type != "ipynb" and file_type not in KIND_TYPES.get(kind, frozenset()):
        raise FileRefused(_("%(name)s is %(type)s, which is not accepted as %(kind)s. "
                            "Choose the kind: %(kinds)s.")
                          % {"name": name, "type": TYPE_LABELS[file_type],
                             "kind": _kind_labels([kind]),
                             "kinds": _kind_labels(_kinds_taking(file_type))})
    if file_type == "image":
        try:
            data = image_reencode(data, longest=IMAGE_LONGEST_SIDE,
                                  max_pixels=settings.UPLOAD_MAX_PIXELS)
        except ImageRejected as exc:
            raise FileRefused(f"{name}: {exc}") from exc
    return MaterialFile(type=file_type, data=data, download_name=_download_name(name, file_type))


def stored_type(name: str) -> str | None:
    """The type of a file stored by :func:`material_check`, from its stored extension
    (None for files stored before types were checked)."""
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    return next((file_type for file_type, (stored, _type) in TYPES.items()
                 if stored == extension), None)


def served_inline(name: str) -> bool:
    """Whether stored material ``name`` may show inline: only an image re-encoded here
    (stored by :func:`material_check` under ``events/materials/``)."""
    return name.startswith("events/materials/") and stored_type(name) == "image"
