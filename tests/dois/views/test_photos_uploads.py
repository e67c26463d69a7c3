"""Uploads (issue 12, finding 8; issue 14, items 1 and 6): each file checked alone with
bounded memory, never a 500, the rest saved; per-file input errors reported on the file;
the page's messages; rate limits on the page and the API."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image, PngImagePlugin
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from dois import services
from dois.models import Photo
from tests.dois.factories import IndividualFactory, SightingFactory, image_bytes, upload

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]

SIGHTING = {"sighting-observed_at": "2024-04-01T09:30", "sighting-latitude": "22.2",
            "sighting-longitude": "113.7", "sighting-area": "Lingding Bay"}


def png_bytes(seed: int = 0) -> bytes:
    return image_bytes(seed=seed, fmt="PNG")


def png_with_text_bomb() -> bytes:
    """A valid PNG with a zTXt chunk that inflates to 64 MB (a few hundred kB sent)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "A" * (64 * 2**20), zip=True)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 60, 120)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header claiming ``width`` x ``height`` pixels, with almost no data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _post(client, files, **fields):
    return client.post(reverse("dois:submit"), {**SIGHTING, "side": "left",
                                                "is_public": "on", "images": files,
                                                **fields})


# --- PNG, text bombs, pixel limits --------------------------------------------------------


def test_a_png_is_saved_and_rendered(volunteer, researcher, client):
    photo, job = services.photo_submit(sighting=SightingFactory(),
                                       upload=upload(data=png_bytes(3), name="fin.png"),
                                       actor=volunteer)
    assert photo.original.name.endswith(".png") and (photo.width, photo.height) == (320, 240)
    client.force_login(volunteer)
    response = client.get(reverse("dois:photo_image", kwargs={"pk": photo.pk,
                                                                "kind": "crop"}))
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).format == "JPEG"


def test_a_png_text_bomb_is_refused_alone_and_the_rest_of_the_upload_is_saved(volunteer,
                                                                               client):
    client.force_login(volunteer)
    response = _post(client, [upload(seed=80, name="good.jpg"),
                              upload(data=png_with_text_bomb(), name="bomb.png"),
                              upload(data=png_bytes(81), name="good.png")])
    body = response.content.decode()
    assert response.status_code == 200, body
    assert set(Photo.objects.values_list("original_name", flat=True)) == {"good.jpg",
                                                                          "good.png"}
    bomb = body.split('data-file="bomb.png"')[1].split("</li>")[0]
    assert "not saved" in bomb and "broken or truncated" in bomb


@pytest.mark.parametrize("api", [True, False])
def test_an_image_claiming_too_many_pixels_is_refused_before_decoding(volunteer, client,
                                                                      api):
    bomb = upload(data=png_claiming(100_000, 100_000), name="huge.png")
    if api:
        client = APIClient()
        client.force_authenticate(volunteer)
        response = client.post("/api/v1/photos/", {
            "image": bomb, "observed_at": "2024-05-01T08:00:00+08:00", "latitude": "22.2",
            "longitude": "113.7"}, format="multipart")
        assert response.status_code == 400
        assert "too many pixels" in response.json()["image"][0]
    else:
        client.force_login(volunteer)
        response = _post(client, [bomb, upload(seed=82, name="ok.jpg")])
        assert response.status_code == 200 and "too many pixels" in response.content.decode()
        assert list(Photo.objects.values_list("original_name", flat=True)) == ["ok.jpg"]


def test_a_pixel_limit_under_the_default_is_applied(volunteer, settings):
    settings.UPLOAD_MAX_PIXELS = 320 * 240 - 1
    with pytest.raises(ValidationError) as err:
        services.photo_submit(sighting=SightingFactory(), upload=upload(seed=83),
                              actor=volunteer)
    assert "too many pixels" in err.value.message_dict["image"][0]


MEMORY_PROBE = r"""
import gc, os, resource, sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from common.uploads import image_upload_check
from dois.images import render_derivative
data = open(sys.argv[1], "rb").read()
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
_data, info = image_upload_check(SimpleUploadedFile("big.jpg", data))
checked = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
box = (info.width // 4, info.height // 4, info.width // 2, info.height // 2)
for kind in ("crop", "thumb", "square", "full"):
    render_derivative(data, box=box, kind=kind)
rendered = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(info.width * info.height, checked - before, rendered - before)
"""


def test_checking_and_rendering_a_59_megapixel_jpeg_keeps_memory_bounded(tmp_path):
    """A ~1 MB, 59-megapixel JPEG: decoding it whole would take 177 MB of pixels."""
    path = tmp_path / "big.jpg"
    make = ("import io, random, sys; from PIL import Image\n"
            "img = Image.new('RGB', (8900, 6650), (30, 80, 120))\n"
            "noise = Image.effect_noise((256, 256), 60).convert('RGB')\n"
            "rng = random.Random(1)\n"
            "for _ in range(3): img.paste(noise, (rng.randrange(8600), rng.randrange(6300)))\n"
            "img.save(sys.argv[1], 'JPEG', quality=80)\n")
    subprocess.run([sys.executable, "-c", make, str(path)], check=True, timeout=120)
    assert 0.5 * 2**20 < path.stat().st_size < 2 * 2**20
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hub.settings",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    pixels, checked_kb, rendered_kb = (int(v) for v in out.stdout.split()[-3:])
    assert pixels == 8900 * 6650
    assert checked_kb < 100 * 1024, f"checking raised max RSS by {checked_kb} kB"
    assert rendered_kb < 100 * 1024, f"rendering raised max RSS by {rendered_kb} kB"


def test_a_rendering_of_a_large_jpeg_is_decoded_at_reduced_scale(volunteer, client):
    data = image_bytes(seed=84, size=(4000, 3000))
    photo, _job = services.photo_submit(
        sighting=SightingFactory(), upload=upload(data=data), actor=volunteer,
        options=services.PhotoOptions(crop=(1000, 1000, 400, 300)))
    client.force_login(volunteer)
    sizes = {}
    for kind in ("crop", "thumb", "square", "full"):
        response = client.get(reverse("dois:photo_image", kwargs={"pk": photo.pk,
                                                                    "kind": kind}))
        sizes[kind] = Image.open(io.BytesIO(response.content)).size
    assert sizes == {"crop": (400, 300), "thumb": (240, 180), "square": (224, 224),
                     "full": (1600, 1200)}


# --- the page's messages (issue 14, item 1) ----------------------------------------------


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db(transaction=True)  # jobs are sent on commit, as in production
def test_a_successful_upload_says_so_and_nothing_else(volunteer, client):
    client.force_login(volunteer)
    response = _post(client, [upload(seed=90, name="a.jpg"), upload(seed=91, name="b.jpg")])
    assert response.status_code == 200
    assert _messages(response) == [("success", "2 of 2 photos saved.")]
    assert "No photo could be saved." not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_partly_bad_upload_counts_and_an_all_bad_one_says_none_was_saved(volunteer,
                                                                            client):
    client.force_login(volunteer)
    response = _post(client, [upload(seed=92, name="a.jpg"),
                              upload(data=b"not an image", name="b.jpg")])
    assert _messages(response) == [("success", "1 of 2 photos saved.")]
    response = _post(client, [upload(data=b"not an image", name="c.jpg")])
    assert response.status_code == 400
    assert _messages(response) == [("error", "No photo could be saved.")]


# --- per-file input errors (issue 14, item 6) ---------------------------------------------


def test_bad_crop_boxes_sides_and_guesses_are_reported_on_their_file_the_rest_is_saved(
        volunteer, client):
    IndividualFactory(code="PRE-0123")
    client.force_login(volunteer)
    files = [upload(seed=100 + i, name=f"f{i}.jpg") for i in range(7)]
    response = _post(client, files, **{
        "crop-0": "nan,0.1,0.5,0.5", "crop-1": "0.1,0.1,inf,0.5", "crop-2": "0.1,0.2",
        "side-3": "upside-down", "guess-4": "PRE-9999", "guess-5": "PRE-0123",
        "crop-6": "0.1,0.1,0.5,0.5"})
    body = response.content.decode()
    assert response.status_code == 200, body
    saved = {p.original_name: p for p in Photo.objects.all()}
    assert set(saved) == {"f5.jpg", "f6.jpg"}
    assert saved["f5.jpg"].proposed_individual.code == "PRE-0123"
    assert (saved["f6.jpg"].crop_x, saved["f6.jpg"].crop_w) == (32, 160)

    def row(name):
        return body.split(f'data-file="{name}"')[1].split("</li>")[0]

    assert "four finite numbers" in row("f0.jpg") and "four finite numbers" in row("f1.jpg")
    assert "four numbers" in row("f2.jpg")
    assert "Unknown side" in row("f3.jpg")
    assert "No individual with the code PRE-9999" in row("f4.jpg")
    assert ("success", "2 of 7 photos saved.") in _messages(response)


@pytest.mark.parametrize("crop", [("nan", 0, 1, 1), (0, 0, float("inf"), 1),
                                  (0, 0, 1e400, 1), ("-inf", 0, 1, 1)])
def test_non_finite_crop_boxes_are_a_validation_error(crop):
    with pytest.raises(ValidationError) as err:
        services.photo_crop_normalise(crop=crop, width=320, height=240)
    assert "crop" in err.value.message_dict


def test_the_api_refuses_a_non_finite_crop_box(volunteer):
    api = APIClient()
    api.force_authenticate(volunteer)
    response = api.post("/api/v1/photos/", {
        "image": upload(seed=110), "observed_at": "2024-05-01T08:00:00+08:00",
        "latitude": "22.2", "longitude": "113.7", "crop_x": "nan", "crop_y": "0",
        "crop_w": "1", "crop_h": "1"}, format="multipart")
    assert response.status_code == 400 and "crop_x" in response.json()
    assert not Photo.objects.exists()


def test_an_unexpected_error_of_one_file_keeps_the_others(volunteer, client, monkeypatch):
    """A storage failure on one file (here: the disk refuses its name) is a message on
    that file; the files before and after it are saved."""
    from django.core.files.storage import FileSystemStorage

    real_save = FileSystemStorage._save

    def failing_save(self, name, content):
        if content.size == len(image_bytes(seed=121)):
            raise OSError(28, "No space left on device")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
    client.force_login(volunteer)
    response = _post(client, [upload(seed=120, name="a.jpg"), upload(seed=121, name="b.jpg"),
                              upload(seed=122, name="c.jpg")])
    body = response.content.decode()
    assert response.status_code == 200
    assert set(Photo.objects.values_list("original_name", flat=True)) == {"a.jpg", "c.jpg"}
    assert "error on the server" in body.split('data-file="b.jpg"')[1].split("</li>")[0]
    assert "No space left" not in body


# --- rate limits -------------------------------------------------------------------------


@pytest.fixture
def uploads_limited(monkeypatch):
    """The ``uploads`` scope at 2 a minute (the others as configured)."""
    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {**SimpleRateThrottle.THROTTLE_RATES, "uploads": "2/minute"})
    yield
    cache.clear()


def test_the_upload_page_is_rate_limited(volunteer, client, uploads_limited):
    client.force_login(volunteer)
    statuses = [_post(client, [upload(seed=130 + i)]).status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    response = _post(client, [upload(seed=140)])
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Photo.objects.count() == 2
    assert client.get(reverse("dois:submit")).status_code == 200  # the form still shows


def test_photo_submissions_through_the_api_are_rate_limited(volunteer, uploads_limited):
    api = APIClient()
    api.force_authenticate(volunteer)

    def post(seed):
        return api.post("/api/v1/photos/", {
            "image": upload(seed=seed), "observed_at": "2024-05-01T08:00:00+08:00",
            "latitude": "22.2", "longitude": "113.7"}, format="multipart")

    assert [post(150 + i).status_code for i in range(3)] == [201, 201, 429]
    assert Photo.objects.count() == 2
    assert [api.get("/api/v1/photos/").status_code for _ in range(3)] == [200] * 3
