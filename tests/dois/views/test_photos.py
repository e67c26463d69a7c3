"""The photo pages (dois.views.photos): renderings without EXIF, the bulk upload's
report and form errors, "my photos". Upload checks: test_photos_uploads.py."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from dois import services
from dois.models import Photo
from tests.dois.factories import (
    IndividualFactory,
    SightingFactory,
    broken_upload,
    exif_with_gps,
    image_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


def test_public_image_has_no_exif(client, volunteer, researcher):
    data = image_bytes(seed=50, exif=exif_with_gps(latitude=22.2, longitude=113.7))
    photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(data=data),
                                     actor=volunteer)
    services.decision_record(photo=photo, action="new_individual", actor=researcher)
    for kind in ("crop", "thumb", "full"):
        body = client.get(reverse("dois:photo_image",
                                  kwargs={"pk": photo.pk, "kind": kind})).content
        assert not Image.open(io.BytesIO(body)).getexif()


def test_bulk_upload_reports_each_file(client, volunteer):
    client.force_login(volunteer)
    ind = IndividualFactory(code="PRE-0100")
    response = client.post(reverse("dois:submit"), {
        "sighting-observed_at": "2024-04-01T09:30", "sighting-latitude": "22.2",
        "sighting-longitude": "113.7", "sighting-area": "Lingding Bay",
        "side": "left", "guess": "PRE-0100", "is_public": "on",
        "images": [upload(seed=60, name="a.jpg"), broken_upload(name="b.jpg"),
                   upload(seed=61, name="c.jpg"), upload(data=b"hello", name="d.txt")],
        "crop-0": "0.1,0.1,0.5,0.5", "side-2": "right", "guess-2": "",
    })
    body = response.content.decode()
    assert response.status_code == 200, body
    assert "broken or truncated" in body and "not an image" in body
    photos = {p.original_name: p for p in Photo.objects.all()}
    assert set(photos) == {"a.jpg", "c.jpg"}
    assert photos["a.jpg"].side == "left" and photos["a.jpg"].proposed_individual == ind
    assert (photos["a.jpg"].crop_x, photos["a.jpg"].crop_w) == (32, 160)
    assert photos["c.jpg"].side == "right" and photos["c.jpg"].proposed_individual is None


def test_bulk_upload_form_errors(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse("dois:submit"), {"sighting-latitude": "99"})
    assert response.status_code == 400
    assert not Photo.objects.exists()


def test_my_photos_shows_agreement(client, volunteer, researcher):
    ind = IndividualFactory()
    for seed, decided in ((70, ind), (71, None)):
        photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=seed),
                                         actor=volunteer,
                                         options=services.PhotoOptions(proposed_individual=ind))
        if decided:
            services.decision_record(photo=photo, action="confirm", individual=ind,
                                     actor=researcher)
        else:
            services.decision_record(photo=photo, action="new_individual",
                                     actor=researcher)
    client.force_login(volunteer)
    body = client.get(reverse("dois:mine")).content.decode()
    assert "agreed with your guess 1 times out of 2" in body
