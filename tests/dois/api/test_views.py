from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dois import services
from dois.models import ModelVersion, Photo
from tests.dois.factories import (
    IndividualFactory,
    PhotoFactory,
    SightingFactory,
    broken_upload,
    exif_with_gps,
    image_bytes,
    upload,
)

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "volunteer", "organiser", "researcher"]


@pytest.fixture
def api(request, volunteer, organiser_only, researcher):
    client = APIClient()
    user = {"anonymous": None, "volunteer": volunteer, "organiser": organiser_only,
            "researcher": researcher}[request.param]
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    client.role = request.param
    return client


@pytest.fixture
def gallery(researcher):
    ind = IndividualFactory(code="PRE-0042")
    photo = PhotoFactory(sighting=SightingFactory(latitude=22.23456, longitude=113.76543),
                         exif_latitude=22.2399, exif_longitude=113.7611)
    services.decision_record(photo=photo, action="confirm", individual=ind,
                             actor=researcher)
    hidden = PhotoFactory()
    return ind, photo, hidden


def submit_data(seed=1, **extra):
    data = {"image": upload(seed=seed), "observed_at": "2024-05-01T08:00:00+08:00",
            "latitude": "22.2", "longitude": "113.7", "area": "Lingding Bay",
            "side": "left"}
    data.update(extra)
    return data


@pytest.mark.parametrize("api", ROLES, indirect=True)
def test_read_endpoints_apply_location_rules(api, gallery):
    ind, photo, hidden = gallery
    exact = api.role == "researcher"
    individuals = api.get("/api/v1/individuals/").json()["results"]
    assert [i["code"] for i in individuals] == ["PRE-0042"]
    assert api.get("/api/v1/individuals/PRE-0042/").json()["code"] == "PRE-0042"
    sightings = api.get("/api/v1/sightings/").json()["results"]
    visible = next(s for s in sightings if s["id"] == photo.sighting_id)
    assert visible["location_exact"] is exact
    assert (visible["latitude"] == 22.23456) is exact
    photos = {p["id"]: p for p in api.get("/api/v1/photos/").json()["results"]}
    assert (hidden.pk in photos) is exact
    item = api.get(f"/api/v1/photos/{photo.pk}/").json()
    assert item["individual"] == "PRE-0042"
    assert (item["sighting"]["longitude"] == 113.76543) is exact
    assert (item["exif_latitude"] == 22.2399) is exact
    assert (item["original_url"] is not None) is exact
    assert api.get(f"/api/v1/photos/{hidden.pk}/").status_code == (200 if exact else 404)


@pytest.mark.parametrize("api", ROLES, indirect=True)
def test_submit_permissions(api):
    response = api.post("/api/v1/photos/", submit_data(), format="multipart")
    expected = {"anonymous": 401, "organiser": 403, "volunteer": 201, "researcher": 201}
    assert response.status_code == expected[api.role], response.content
    if response.status_code == 201:
        body = response.json()
        photo = Photo.objects.get(pk=body["photo"])
        assert photo.side == "left"
        # a fresh install identifies with the shipped model, version one
        assert body["job"] == photo.jobs.get().pk


@pytest.mark.parametrize("api", ["volunteer"], indirect=True)
def test_submit_with_sighting_id_crop_and_job(api, volunteer):
    sighting = SightingFactory(created_by=volunteer)
    ModelVersion.objects.create(name="v1", file_path="x", embedding_dim=8, input_size=64,
                                threshold=0.5, is_active=True)
    response = api.post("/api/v1/photos/", {
        "image": upload(seed=2), "sighting": sighting.pk, "crop_x": 0.1, "crop_y": 0.2,
        "crop_w": 0.5, "crop_h": 0.5, "crop_unit": "fraction",
        "proposed_individual": IndividualFactory().code,
    }, format="multipart")
    assert response.status_code == 201, response.content
    photo = Photo.objects.get(pk=response.json()["photo"])
    assert response.json()["job"] == photo.jobs.get().pk
    assert photo.sighting == sighting and (photo.crop_x, photo.crop_w) == (32, 160)
    # pixels by default: values of 1 or less are pixels, not fractions (a 1-pixel box)
    response = api.post("/api/v1/photos/", {
        "image": upload(seed=22), "sighting": sighting.pk, "crop_x": 0, "crop_y": 0,
        "crop_w": 1, "crop_h": 1}, format="multipart")
    assert response.status_code == 400 and "8 pixels" in response.json()["crop"][0]
    response = api.post("/api/v1/photos/", {
        "image": upload(seed=23), "sighting": sighting.pk, "crop_x": 10, "crop_y": 20,
        "crop_w": 100, "crop_h": 50}, format="multipart")
    photo = Photo.objects.get(pk=response.json()["photo"])
    assert (photo.crop_x, photo.crop_y, photo.crop_w, photo.crop_h) == (10, 20, 100, 50)


@pytest.mark.parametrize("api", ["volunteer"], indirect=True)
def test_submit_to_someone_elses_sighting_is_403(api):
    response = api.post("/api/v1/photos/", {"image": upload(seed=3),
                                            "sighting": SightingFactory().pk},
                        format="multipart")
    assert response.status_code == 403


@pytest.mark.parametrize("api", ["volunteer"], indirect=True)
def test_submit_errors_per_field(api):
    response = api.post("/api/v1/photos/", {"image": upload(seed=4)}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()) >= {"observed_at", "latitude", "longitude"}
    response = api.post("/api/v1/photos/", submit_data(image=broken_upload()),
                        format="multipart")
    assert response.status_code == 400 and "broken" in response.json()["image"][0]
    api.post("/api/v1/photos/", submit_data(seed=5), format="multipart")
    response = api.post("/api/v1/photos/", submit_data(seed=5), format="multipart")
    assert response.status_code == 400 and "already" in response.json()["image"][0]
    response = api.post("/api/v1/photos/", submit_data(seed=6, crop_x=1), format="multipart")
    assert response.status_code == 400 and "crop_w" in response.json()
    response = api.post("/api/v1/photos/", submit_data(seed=7, quality=9), format="multipart")
    assert response.status_code == 400 and "quality" in response.json()


@pytest.mark.parametrize("api", ["volunteer"], indirect=True)
def test_submitted_exif_location_is_rounded_for_the_volunteer(api):
    data = image_bytes(seed=8, exif=exif_with_gps(latitude=22.23456, longitude=113.76543))
    response = api.post("/api/v1/photos/", submit_data(image=upload(data=data)),
                        format="multipart")
    item = api.get(f"/api/v1/photos/{response.json()['photo']}/").json()
    assert item["exif_latitude"] != pytest.approx(22.23456, abs=1e-4)
    assert item["exif_latitude"] == pytest.approx(22.23456, abs=0.1)


def test_schema_lists_endpoints(client):
    body = client.get("/api/schema/").content.decode()
    assert "/api/v1/photos/" in body and "/api/v1/individuals/{code}/" in body
