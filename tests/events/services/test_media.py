"""Media services: recordings, photo uploads (checked per file, re-encoded without EXIF,
bounded in pixels, never twice per event) and materials (an allow-list of types found by
content); stored files go once the delete is committed."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from events import selectors, services
from events.models import Material, Photo
from tests.events.factories import MaterialFactory, PhotoFactory, RecordingFactory, TalkFactory
from tests.events.support import image_bytes, png_header_only

pytestmark = pytest.mark.django_db


def test_the_same_bytes_cannot_be_stored_twice_per_event_even_in_parallel(event, organiser):
    from django.db import IntegrityError, transaction

    photo = services.photos_upload(actor=organiser, event=event, uploads=[
        SimpleUploadedFile("a.png", image_bytes())]).saved[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Photo.objects.create(event=event, sha256=photo.sha256)


def test_pixels_are_counted_before_anything_is_decoded(event, organiser, settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    report = services.photos_upload(actor=organiser, event=event, uploads=[
        SimpleUploadedFile("huge.png", png_header_only(40_000, 40_000)),
        SimpleUploadedFile("wide.png", png_header_only(2000, 1000)),
        SimpleUploadedFile("ok.png", image_bytes())])
    assert [name for name, _reason in report.refused] == ["huge.png", "wide.png"]
    assert all("too many pixels" in reason for _name, reason in report.refused)
    assert len(report.saved) == 1


def test_a_large_photo_is_bounded_and_a_png_is_accepted(event, organiser):
    report = services.photos_upload(actor=organiser, event=event, uploads=[
        SimpleUploadedFile("big.png", image_bytes((3000, 1500)))])
    photo = report.saved[0]
    assert (photo.width, photo.height) == (2560, 1280)
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG" and stored.size == (2560, 1280)
    assert photo.image.name.startswith("events/photos/")
    assert photo.thumbnail.name.startswith("events/thumbs/")
    assert len(Path(photo.image.name).stem) >= 32


@pytest.mark.parametrize(("name", "data"), [
    ("x.html", b"<html><script>alert(document.cookie)</script></html>"),
    ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
])
def test_service_stores_nothing_for_a_refused_file(event, organiser, settings, name, data):
    with pytest.raises(ValidationError) as refused:
        services.material_add(actor=organiser, event=event, title="x", kind="slides",
                              upload=SimpleUploadedFile(name, data, content_type="text/html"))
    assert "never accepted" in " ".join(refused.value.messages)
    assert not Material.objects.exists()
    assert not any(p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*"))


def test_service_stores_under_a_random_name_with_the_type_s_extension(event, organiser,
                                                                     settings):
    material = services.material_add(
        actor=organiser, event=event, title="Deck", kind="slides",
        upload=SimpleUploadedFile("Our deck.PDF", b"%PDF-1.4 deck"))
    assert material.file.name.startswith("events/materials/")
    assert material.file.name.endswith(".pdf") and "deck" not in material.file.name.lower()
    assert len(Path(material.file.name).stem) >= 32
    assert material.filename == "Our deck.pdf"
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="big.pdf: The file is too large"):
        services.material_add(actor=organiser, event=event, title="Big", kind="slides",
                              upload=SimpleUploadedFile("big.pdf", b"%PDF-1.4 " * 10))


def test_changing_the_kind_keeps_the_stored_file_suitable(event, organiser):
    material = services.material_add(
        actor=organiser, event=event, title="Code", kind="code",
        upload=SimpleUploadedFile("train.py", b"print(1)\n"))
    with pytest.raises(ValidationError, match="not accepted as Slides"):
        services.material_update(actor=organiser, material=material, title="Code",
                                 kind="slides")
    material.refresh_from_db()
    assert material.kind == "code"


def _notebook() -> bytes:
    return json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Hi"}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }).encode()


def test_recording_with_access_code_and_embed(event, organiser):
    rec = services.recording_add(actor=organiser, event=event, title="Audio", kind="audio",
                                 provider="drive", url="https://pan.baidu.com/s/abc",
                                 access_code="y9ey", duration=timedelta(minutes=95))
    assert rec.access_code == "y9ey" and rec.embed_url == ""
    other_talk = TalkFactory()
    with pytest.raises(ValidationError):
        services.recording_add(actor=organiser, event=event, title="x",
                               url="https://example.org", talk=other_talk)
    assert list(selectors.recording_list_latest(limit=5)) == [rec]


def test_photos_upload_makes_thumbnails(event, organiser):
    files = [SimpleUploadedFile("a.png", image_bytes((1200, 900))),
             SimpleUploadedFile("b.jpg", image_bytes(fmt="JPEG"))]
    report = services.photos_upload(actor=organiser, event=event, uploads=files,
                                    caption="Room")
    assert len(report.saved) == 2 and report.refused == []
    with Image.open(report.saved[0].thumbnail.path) as thumb:
        assert max(thumb.size) <= 480
    assert report.saved[0].width == 1200 and report.saved[0].caption == "Room"


def test_photos_upload_refuses_bad_files_by_content_size_and_pixels(event, organiser, settings):
    report = services.photos_upload(actor=organiser, event=event,
                                    uploads=[SimpleUploadedFile("x.jpg", b"<script>")])
    assert report.saved == [] and report.refused[0][0] == "x.jpg"
    assert "not an image" in report.refused[0][1]
    settings.UPLOAD_MAX_BYTES = 100
    report = services.photos_upload(
        actor=organiser, event=event,
        uploads=[SimpleUploadedFile("big.png", image_bytes((300, 300)))])
    assert "too large" in report.refused[0][1]
    settings.UPLOAD_MAX_BYTES = 10_000_000
    settings.UPLOAD_MAX_PIXELS = 1000
    report = services.photos_upload(
        actor=organiser, event=event,
        uploads=[SimpleUploadedFile("wide.png", image_bytes((100, 100)))])
    assert "too many pixels" in report.refused[0][1]
    assert event.photos.count() == 0
    with pytest.raises(ValidationError, match="at least one"):
        services.photos_upload(actor=organiser, event=event, uploads=[])


def test_photos_upload_strips_exif(event, organiser):
    img = Image.new("RGB", (20, 20))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    photo = services.photos_upload(
        actor=organiser, event=event,
        uploads=[SimpleUploadedFile("e.jpg", out.getvalue())]).saved[0]
    with Image.open(photo.image.path) as saved:
        assert not saved.getexif()


def test_material_notebook_is_validated(event, organiser):
    good = services.material_add(actor=organiser, event=event, title="nb", kind="notebook",
                                 upload=SimpleUploadedFile("demo.ipynb", _notebook()))
    assert good.kind == Material.Kind.NOTEBOOK and good.is_rendered_notebook
    with pytest.raises(ValidationError, match="not a valid Jupyter notebook"):
        services.material_add(actor=organiser, event=event, title="bad", kind="notebook",
                              upload=SimpleUploadedFile("bad.ipynb", b"{not json"))
    with pytest.raises(ValidationError, match="not a valid Jupyter notebook"):
        services.material_add(actor=organiser, event=event, title="bad", kind="notebook",
                              upload=SimpleUploadedFile("bad.ipynb", b'{"cells": 3}'))
    with pytest.raises(ValidationError):
        services.material_add(actor=organiser, event=event, title="none", kind="slides")
    link = services.material_add(actor=organiser, event=event, title="slides", kind="slides",
                                 url="https://example.org/slides.pdf")
    assert not link.is_rendered_notebook


def test_recording_update_and_delete(event, organiser):
    recording = RecordingFactory(event=event)
    services.recording_update(actor=organiser, recording=recording, title="Audio",
                              url="https://pan.baidu.com/s/abc", kind="audio",
                              provider="drive", access_code="y9ey",
                              duration=timedelta(minutes=90))
    recording.refresh_from_db()
    assert (recording.title, recording.provider, recording.access_code) == \
        ("Audio", "drive", "y9ey")
    with pytest.raises(ValidationError):
        services.recording_update(actor=organiser, recording=recording, title="x",
                                  url="https://example.org", talk=TalkFactory())
    services.recording_delete(actor=organiser, recording=recording)
    assert not event.recordings.exists()


def test_material_update_keeps_or_replaces_the_file(
        event, organiser, django_capture_on_commit_callbacks):
    material = MaterialFactory(event=event)
    old_name = material.file.name
    storage = material.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.material_update(actor=organiser, material=material, title="Renamed",
                                 kind="slides")
    material.refresh_from_db()
    assert material.title == "Renamed" and material.file.name == old_name
    assert storage.exists(old_name)
    with django_capture_on_commit_callbacks(execute=True):
        services.material_update(actor=organiser, material=material, title="v2",
                                 kind="notebook",
                                 upload=SimpleUploadedFile("v2.ipynb", _notebook()))
    material.refresh_from_db()
    assert material.kind == Material.Kind.NOTEBOOK and material.file.name.endswith(".ipynb")
    assert not storage.exists(old_name) and storage.exists(material.file.name)
    with pytest.raises(ValidationError):  # a PDF cannot become a notebook
        services.material_update(actor=organiser, material=MaterialFactory(event=event),
                                 title="x", kind="notebook")


def test_material_update_needs_a_link_or_a_file(event, organiser):
    material = MaterialFactory(event=event, file=None, url="https://example.org/s.pdf")
    with pytest.raises(ValidationError, match="link or upload"):
        services.material_update(actor=organiser, material=material, title="x",
                                 kind="slides", url="")


def test_material_delete_removes_its_file(event, organiser, django_capture_on_commit_callbacks):
    material = MaterialFactory(event=event)
    name, storage = material.file.name, material.file.storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.material_delete(actor=organiser, material=material)
    assert not Material.objects.filter(pk=material.pk).exists()
    assert not storage.exists(name)


def test_photo_delete_removes_image_and_thumbnail(
        event, organiser, django_capture_on_commit_callbacks):
    photo = services.photos_upload(actor=organiser, event=event,
                                   uploads=[SimpleUploadedFile("a.png", image_bytes())]).saved[0]
    names, storage = [photo.image.name, photo.thumbnail.name], photo.image.storage
    assert all(storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(actor=organiser, photo=photo)
    assert not event.photos.exists()
    assert not any(storage.exists(n) for n in names)


def test_photo_delete_of_an_external_photo_and_a_missing_file(event, organiser):
    external = services.photo_add_external(actor=organiser, event=event,
                                           url="https://example.org/a.jpg")
    services.photo_delete(actor=organiser, photo=external)
    gone = PhotoFactory(event=event)
    gone.image.storage.delete(gone.image.name)
    services.photo_delete(actor=organiser, photo=gone)  # a lost file does not stop it
    assert not event.photos.exists()


def test_a_failed_delete_keeps_the_files(event, organiser, django_capture_on_commit_callbacks):
    from django.db import transaction

    photo = PhotoFactory(event=event)
    pk, name, storage = photo.pk, photo.image.name, photo.image.storage
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(RuntimeError), transaction.atomic():
        services.photo_delete(actor=organiser, photo=photo)
        raise RuntimeError("rolled back")
    assert callbacks == [] and storage.exists(name)
    assert event.photos.filter(pk=pk).exists()
