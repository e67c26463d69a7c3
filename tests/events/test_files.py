"""Findings 1, 2 and 8 of issue #12 for the events app: stored files are served only by
views that check visibility, photo uploads are checked one file at a time, uploads are
throttled, and external photos are images only where the CSP allows their host."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from events import services
from events.models import Event, Photo
from tests.events.factories import EventFactory, MaterialFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def image_bytes(size=(40, 30), fmt="PNG", color=(200, 100, 50), exif=None) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels and holds almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def body(response) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)  # the client closes it at the end
    return response.content


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- serving -----------------------------------------------------------------------------

def test_a_material_is_served_as_an_attachment_that_cannot_run(client, event):
    material = MaterialFactory(event=event)
    response = client.get(material.file_url)
    assert response.status_code == 200
    assert body(response) == b"%PDF-1.4 slides"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="slides.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_legacy_html_material_is_served_as_bytes_not_a_page(client, event, settings):
    """Files stored before the allow-list keep their names and are never active content."""
    material = MaterialFactory(event=event)
    legacy = Path(settings.MEDIA_ROOT) / "events" / str(event.pk) / "materials" / "x.html"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"<script>alert(1)</script>")
    material.file.name = f"events/{event.pk}/materials/x.html"
    material.filename = "x.html"
    material.save()
    response = client.get(material.file_url)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    body(response)


def test_a_missing_file_is_not_found(client, event):
    material = MaterialFactory(event=event)
    material.file.storage.delete(material.file.name)
    assert client.get(material.file_url).status_code == 404


def test_photos_and_thumbnails_are_served_inline_without_exif(client, event, organiser):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (22.0, 16.0, 30.0), 3: "E", 4: (113.0, 34.0, 12.0)}
    report = services.photos_upload(
        actor=organiser, event=event,
        uploads=[SimpleUploadedFile("fin.jpg", image_bytes((800, 600), "JPEG", exif=exif))])
    photo = report.saved[0]
    for url, longest in ((photo.src, 800), (photo.thumb_src, 480)):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        with Image.open(io.BytesIO(body(response))) as served:
            assert max(served.size) == longest and not served.getexif()


def test_pages_and_the_api_link_to_the_views_never_to_stored_names(client, event):
    material = MaterialFactory(event=event)
    photo = PhotoFactory(event=event)
    page = client.get(event.get_absolute_url()).content.decode()
    api = APIClient().get(f"/api/v1/events/{event.slug}/").json()
    assert material.file_url in page and photo.thumb_src in page and photo.src in page
    assert api["materials"][0]["file_url"] == f"http://testserver{material.file_url}"
    assert api["photos"][0]["image_url"] == f"http://testserver{photo.src}"
    assert api["photos"][0]["thumbnail_url"] == f"http://testserver{photo.thumb_src}"
    text = page + str(api)
    for stored in (material.file.name, photo.image.name, photo.thumbnail.name):
        assert Path(stored).stem not in text


# --- photo uploads -------------------------------------------------------------------------

def _upload_page(client, event, files, caption=""):
    return client.post(reverse("events:photos_upload", kwargs={"slug": event.slug}),
                       {"photos": files, "caption": caption})


def test_a_fake_jpg_is_refused_alone_and_the_rest_of_the_batch_is_saved(client, event,
                                                                         organiser):
    client.force_login(organiser)
    response = _upload_page(client, event, [
        SimpleUploadedFile("good.png", image_bytes()),
        SimpleUploadedFile("fake.jpg", b"<html>not a photo</html>"),
        SimpleUploadedFile("also-good.jpg", image_bytes(fmt="JPEG", color=(1, 2, 3))),
    ], caption="Room")
    assert response.status_code == 302
    assert event.photos.count() == 2
    assert set(event.photos.values_list("caption", flat=True)) == {"Room"}
    page = client.get(response["Location"]).content.decode()
    assert "fake.jpg was not saved: This file is not an image we can read." in page
    assert "2 photos saved." in page


def test_a_duplicate_is_refused_and_not_saved_twice(client, event, organiser):
    client.force_login(organiser)
    data = image_bytes(color=(9, 9, 9))
    _upload_page(client, event, [SimpleUploadedFile("a.png", data)])
    response = _upload_page(client, event, [SimpleUploadedFile("a-again.png", data),
                                            SimpleUploadedFile("b.png", image_bytes())])
    assert event.photos.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "a-again.png was not saved: this photo is already in the event&#x27;s gallery" \
        in page
    # the same bytes twice in one batch are saved once
    other = EventFactory(organisers=[organiser])
    report = services.photos_upload(actor=organiser, event=other, uploads=[
        SimpleUploadedFile("x.png", data), SimpleUploadedFile("y.png", data)])
    assert len(report.saved) == 1 and report.refused[0][0] == "y.png"
    # another event may hold the same photo
    assert other.photos.count() == 1


def test_the_same_bytes_cannot_be_stored_twice_per_event_even_in_parallel(event, organiser):
    from django.db import IntegrityError, transaction

    photo = services.photos_upload(actor=organiser, event=event, uploads=[
        SimpleUploadedFile("a.png", image_bytes())]).saved[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Photo.objects.create(event=event, sha256=photo.sha256)


def test_only_refused_files_keep_the_form_with_the_reasons(client, event, organiser):
    client.force_login(organiser)
    response = _upload_page(client, event, [SimpleUploadedFile("a.txt", b"hello")])
    assert response.status_code == 200
    assert "a.txt was not saved" in response.content.decode()
    assert not event.photos.exists()


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


def test_a_broken_upload_is_never_a_server_error(client, event, organiser):
    client.force_login(organiser)
    truncated = image_bytes((200, 200), "JPEG")[:300]
    response = _upload_page(client, event, [SimpleUploadedFile("cut.jpg", truncated),
                                            SimpleUploadedFile("empty.jpg", b"")])
    assert response.status_code == 200
    page = response.content.decode()
    assert "cut.jpg was not saved: The image is broken or truncated." in page
    assert "empty.jpg was not saved: The file is empty." in page


# --- throttling ----------------------------------------------------------------------------

@pytest.fixture
def two_uploads_a_minute(monkeypatch, settings):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "uploads": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


@pytest.mark.parametrize("page", ["events:photos_upload", "events:material_add"])
def test_uploads_are_throttled(client, event, organiser, two_uploads_a_minute, page):
    client.force_login(organiser)
    url = reverse(page, kwargs={"slug": event.slug})
    statuses = [client.post(url, {"title": "x"}).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    throttled = client.post(url, {"title": "x"})
    assert int(throttled["Retry-After"]) > 0
    assert client.get(url).status_code == 200  # reading the form is not an upload


def test_material_edit_is_throttled_too(client, event, organiser, two_uploads_a_minute):
    material = MaterialFactory(event=event)
    client.force_login(organiser)
    url = reverse("events:material_edit", kwargs={"slug": event.slug, "pk": material.pk})
    statuses = [client.post(url, {"title": ""}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- external photos and the CSP -------------------------------------------------------------

def _with_img_hosts(settings, *hosts):
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["img-src"] = ["'self'", "data:", *hosts]
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY,
                                        "DIRECTIVES": directives}


def test_img_src_allows_no_remote_host_by_default(settings):
    assert "https:" not in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]


def test_an_external_photo_is_a_link_unless_its_host_is_allowed(client, organiser, settings):
    event = EventFactory(organisers=[organiser])
    services.photo_add_external(actor=organiser, event=event,
                                url="https://ipic.zoomquiet.top/2019-09-09-room.jpg",
                                caption="The room")
    _with_img_hosts(settings)
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'src="https://ipic.zoomquiet.top' not in page
    assert 'class="photo-link" href="https://ipic.zoomquiet.top/2019-09-09-room.jpg"' in page
    assert "ipic.zoomquiet.top" in page and "The room" in page
    _with_img_hosts(settings, "https://ipic.zoomquiet.top")
    page = client.get(event.get_absolute_url()).content.decode()
    assert '<img src="https://ipic.zoomquiet.top/2019-09-09-room.jpg"' in page
    client.force_login(organiser)
    manage = client.get(reverse("events:manage", kwargs={"slug": event.slug})).content.decode()
    assert '<img src="https://ipic.zoomquiet.top/2019-09-09-room.jpg"' in manage


@pytest.mark.parametrize(("sources", "url", "allowed"), [
    (["https://ipic.zoomquiet.top"], "https://ipic.zoomquiet.top/a.jpg", True),
    (["https://ipic.zoomquiet.top"], "http://ipic.zoomquiet.top/a.jpg", False),
    (["https://ipic.zoomquiet.top"], "https://evil.top/a.jpg", False),
    (["https://ipic.zoomquiet.top"], "https://ipic.zoomquiet.top.evil.top/a.jpg", False),
    (["https://ipic.zoomquiet.top"], "https://ipic.zoomquiet.top:8443/a.jpg", False),
    (["*.example.org"], "https://img.example.org/a.jpg", True),
    (["*.example.org"], "https://example.org/a.jpg", False),
    (["https://cdn.example.org/pics/"], "https://cdn.example.org/pics/a.jpg", True),
    (["https://cdn.example.org/pics/"], "https://cdn.example.org/other/a.jpg", False),
    (["'self'", "data:"], "https://anything.example/a.jpg", False),
    (["https:"], "https://anything.example/a.jpg", True),
])
def test_image_hosts_follow_csp_host_sources(settings, sources, url, allowed):
    from events.rendering import image_host_allowed

    _with_img_hosts(settings, *sources)
    assert image_host_allowed(url) is allowed


def test_cancelled_events_files_stay_public(client, organiser):
    event = EventFactory(status=Event.Status.CANCELLED, organisers=[organiser])
    material = MaterialFactory(event=event)
    assert client.get(material.file_url).status_code == 200


def test_the_notebook_page_shows_plots_and_highlighted_code(client, event, organiser):
    import base64
    import json

    png = base64.b64encode(image_bytes((16, 10))).decode()
    content = json.dumps({"cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": 1,
         "source": "import keras\nplt.plot(history)",
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"image/png": png, "text/plain": "<Figure>"}}]}],
        "metadata": {"kernelspec": {"language": "python", "name": "python3",
                                    "display_name": "Python 3"}},
        "nbformat": 4, "nbformat_minor": 5}).encode()
    material = services.material_add(actor=organiser, event=event, title="Plots",
                                     kind="notebook",
                                     upload=SimpleUploadedFile("plots.ipynb", content))
    response = client.get(material.get_absolute_url())
    page = response.content.decode()
    assert f'<img src="data:image/png;base64,{png}"' in page
    assert '<span class="kn">import</span>' in page
    assert "events/notebook.css" in page and "style=" not in page
    assert "data:" in response["Content-Security-Policy"].split("img-src", 1)[1].split(";")[0]
    assert f'href="{material.file_url}"' in page
    download = client.get(material.file_url)
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="plots.ipynb"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == content


def test_a_stored_notebook_that_no_longer_validates_is_offered_for_download(client, event):
    from events.models import Material

    material = MaterialFactory(event=event, kind=Material.Kind.NOTEBOOK,
                               file__filename="broken.ipynb", file__data=b"{broken")
    response = client.get(material.get_absolute_url())
    assert response.status_code == 200
    assert "cannot be shown here" in response.content.decode()
