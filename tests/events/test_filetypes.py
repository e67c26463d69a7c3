"""Finding 2 of issue #12: a material is one of an allow-list of types, found by content."""

import io
import zipfile

import pytest
from PIL import Image

from events.filetypes import (
    KIND_TYPES,
    FileRefused,
    content_type_for,
    material_check,
    served_inline,
    stored_type,
)
from tests.events.support import notebook_bytes


def zip_bytes(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, data) in enumerate(entries):
            kind = zipfile.ZIP_STORED if stored_first and i == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return out.getvalue()


def pptx_bytes() -> bytes:
    return zip_bytes([("[Content_Types].xml", b"<Types/>"), ("_rels/.rels", b"<Relationships/>"),
                      ("ppt/presentation.xml", b"<p:presentation/>")])


def odp_bytes() -> bytes:
    return zip_bytes([("mimetype", b"application/vnd.oasis.opendocument.presentation"),
                      ("content.xml", b"<office:document-content/>")], stored_first=True)


def ole_bytes(stream: str) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    return header + stream.encode("utf-16-le") + b"\0" * 512


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    gps = {1: "N", 2: (22.0, 16.0, 30.0), 3: "E", 4: (113.0, 34.0, 12.0)}
    exif[0x8825] = gps
    exif[0x010F] = "Camera maker"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


ACCEPTED = [
    ("slides", "talk.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF", "pdf", "talk.pdf"),
    ("slides", "deck.pptx", pptx_bytes(), "pptx", "deck.pptx"),
    ("slides", "deck.odp", odp_bytes(), "odp", "deck.odp"),
    ("slides", "old deck.ppt", ole_bytes("PowerPoint Document"), "ppt", "old deck.ppt"),
    ("slides", "poster.png", None, "image", "poster.jpg"),  # re-encoded
    ("slides", "assets.zip", zip_bytes([("a.txt", b"hi")]), "zip", "assets.zip"),
    ("code", "train.py", b"import keras\nprint('hi')\n", "text", "train.py"),
    ("code", "data.csv", "名字,fin\nA,1\n".encode(), "text", "data.csv"),
    ("code", "README", b"# readme\n", "text", "README.txt"),
    ("code", "project.zip", zip_bytes([("src/main.py", b"print(1)")]), "zip", "project.zip"),
    ("notebook", "demo.ipynb", notebook_bytes(), "ipynb", "demo.ipynb"),
    ("code", "demo.ipynb", notebook_bytes(), "ipynb", "demo.ipynb"),
    ("slides", "renamed.bin", b"%PDF-1.4 by content, not by name", "pdf", "renamed.pdf"),
]


REFUSED = [
    ("slides", "page.html", b"<!DOCTYPE html><script>fetch('/')</script>", "never accepted"),
    ("slides", "slides.pdf", b"<html><body><script>alert(1)</script>", "never accepted"),
    ("slides", "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script>'
                           b"</svg>", "never accepted"),
    ("code", "notes.txt", b"  <svg onload=alert(1)>", "never accepted"),
    ("code", "feed.txt", b'<?xml version="1.0"?><svg/>', "never accepted"),
    ("code", "app.js", b"document.cookie", "never accepted"),
    ("code", "app.mjs", b"export default 1", "never accepted"),
    ("slides", "setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", "never accepted"),
    ("slides", "setup.bin", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "not accepted"),
    ("slides", "report.doc", ole_bytes("WordDocument"), "only PowerPoint"),
    ("slides", "broken.zip", b"PK\x03\x04not really a zip", "broken zip"),
    ("slides", "fake.jpg", b"\xff\xd8\xff\xe0 not a jpeg at all", "broken or truncated"),
    ("code", "slides.pdf", b"%PDF-1.4 a deck", "not accepted as Code"),
    ("slides", "train.py", b"print(1)\n", "not accepted as Slides"),
    ("code", "poster.png", None, "not accepted as Code"),
    ("notebook", "nb.ipynb", b'{"cells": 3}', "not a valid Jupyter notebook"),
    ("notebook", "nb.txt", b"hello", "not a valid Jupyter notebook"),
    ("code", "latin1.txt", "café".encode("latin-1"), "not accepted"),
]


@pytest.mark.parametrize(("kind", "name", "data", "file_type", "download"), ACCEPTED,
                         ids=[row[1] + "-" + row[0] for row in ACCEPTED])
def test_accepted_types(kind, name, data, file_type, download):
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (300, 200), (200, 10, 10)).save(out, "PNG")
        data = out.getvalue()
    checked = material_check(data=data, name=name, kind=kind)
    assert checked.type == file_type and checked.download_name == download
    assert file_type in KIND_TYPES[checked.kind or kind]


def test_an_image_is_reencoded_without_exif():
    checked = material_check(data=jpeg_with_gps(), name="poster.jpg", kind="slides")
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert checked.content_type == "image/jpeg"


@pytest.mark.parametrize(("kind", "name", "data", "message"), REFUSED,
                         ids=[row[1] + "-" + row[0] for row in REFUSED])
def test_refused_types_say_why(kind, name, data, message):
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (30, 20)).save(out, "PNG")
        data = out.getvalue()
    with pytest.raises(FileRefused, match=message) as refused:
        material_check(data=data, name=name, kind=kind)
    assert name in str(refused.value)


def test_stored_types_and_how_they_are_served():
    assert content_type_for("events/materials/abc.pdf") == "application/pdf"
    assert content_type_for("events/materials/abc.txt").startswith("text/plain")
    assert content_type_for("events/1/materials/old.html") == "application/octet-stream"
    assert content_type_for("events/1/materials/old.svg") == "application/octet-stream"
    assert stored_type("events/materials/abc.ipynb") == "ipynb"
    assert stored_type("events/1/materials/old.html") is None
    assert served_inline("events/materials/abc.jpg")
    assert not served_inline("events/1/materials/old.jpg")  # not re-encoded by us
    assert not served_inline("events/materials/abc.pdf")
