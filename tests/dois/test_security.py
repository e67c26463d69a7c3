"""Issue 12 as an attacker tries it on DoIs: originals, renderings, hashes, jobs, errors.

Anonymous visitors and a volunteer who did not upload the photo try every way to a
photo that is not public yet (unreviewed, private, unusable): its renderings, its
original (with exact GPS in its EXIF), its stored name, its identification job.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import PurePosixPath

import pytest
from django.db import transaction
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from dois import rules, selectors, services
from dois.models import IdentificationJob, ModelVersion, Photo
from dois.selectors import job_get
from tests.dois.factories import (
    IndividualFactory,
    PhotoFactory,
    SightingFactory,
    UserFactory,
    exif_with_gps,
    image_bytes,
    upload,
)

pytestmark = pytest.mark.django_db

KINDS = ("crop", "thumb", "full", "square")
SECRET_LAT, SECRET_LON = 22.24681, 113.75319


@pytest.fixture
def other_volunteer(db):
    return UserFactory(username="volunteer2", roles=["volunteer"])


@pytest.fixture
def photos(volunteer, researcher, model_version, django_capture_on_commit_callbacks):
    """A volunteer's photos in every state, with exact GPS in their EXIF, and their jobs."""
    sighting = SightingFactory(created_by=volunteer, latitude=SECRET_LAT,
                               longitude=SECRET_LON)
    individual = IndividualFactory(code="PRE-0777")

    def submit(seed, **options):
        data = image_bytes(seed=seed, exif=exif_with_gps(latitude=SECRET_LAT,
                                                         longitude=SECRET_LON))
        with django_capture_on_commit_callbacks(execute=True):
            photo, _job = services.photo_submit(
                sighting=sighting, upload=upload(data=data, name=f"IMG_{seed}.jpg"),
                actor=volunteer, options=services.PhotoOptions(**options))
        return photo

    public = submit(1)
    services.decision_record(photo=public, action="confirm", individual=individual,
                             actor=researcher)
    private = submit(2, is_public=False)
    services.decision_record(photo=private, action="confirm", individual=individual,
                             actor=researcher)
    unusable = submit(3)
    services.decision_record(photo=unusable, action="unusable", actor=researcher)
    unreviewed = submit(4)
    photos = {"public": public, "private": private, "unusable": unusable,
              "unreviewed": unreviewed}
    for photo in photos.values():
        photo.refresh_from_db()
    return photos


HIDDEN = ("private", "unusable", "unreviewed")


def _clients(volunteer, other_volunteer, researcher):
    """Clients logged in (a session: pages and the API) as each of them."""
    clients = {}
    for who, user in (("anonymous", None), ("other volunteer", other_volunteer),
                      ("uploader", volunteer), ("researcher", researcher)):
        clients[who] = APIClient()
        if user is not None:
            clients[who].force_login(user)
    return clients


@pytest.mark.parametrize("who", ["anonymous", "other volunteer"])
def test_no_rendering_or_original_of_a_hidden_photo_can_be_fetched(
        photos, volunteer, other_volunteer, researcher, who):
    client = _clients(volunteer, other_volunteer, researcher)[who]
    for state in HIDDEN:
        photo = photos[state]
        for kind in KINDS:
            url = reverse("dois:photo_image", kwargs={"pk": photo.pk, "kind": kind})
            assert client.get(url).status_code == 404, (state, kind)
        original = client.get(reverse("dois:photo_original", kwargs={"pk": photo.pk}))
        assert original.status_code in (403, 404) and not original.content.startswith(
            b"\xff\xd8"), state
        # no URL serves the storage either, even given the stored name
        assert client.get(f"/media/{photo.original.name}").status_code == 404
        assert client.get(f"/api/v1/photos/{photo.pk}/").status_code == 404
    # nor the original of the public photo: only its EXIF-free renderings
    public = photos["public"]
    assert client.get(reverse("dois:photo_original",
                              kwargs={"pk": public.pk})).status_code == 403
    body = client.get(reverse("dois:photo_image", kwargs={"pk": public.pk, "kind": "full"}))
    assert body.status_code == 200 and not Image.open(io.BytesIO(body.content)).getexif()


def test_the_uploader_and_researchers_see_what_visitors_may_not(photos, volunteer,
                                                                other_volunteer, researcher):
    clients = _clients(volunteer, other_volunteer, researcher)
    for state in HIDDEN:
        url = reverse("dois:photo_image", kwargs={"pk": photos[state].pk, "kind": "crop"})
        assert clients["uploader"].get(url).status_code == 200
        assert clients["researcher"].get(url).status_code == 200
    # the uploader is a volunteer: renderings of their own photos, never the original
    original = reverse("dois:photo_original", kwargs={"pk": photos["unreviewed"].pk})
    assert clients["uploader"].get(original).status_code == 403


def test_an_original_goes_to_researchers_as_a_sandboxed_attachment(photos, researcher,
                                                                   client):
    client.force_login(researcher)
    photo = photos["unreviewed"]
    response = client.get(reverse("dois:photo_original", kwargs={"pk": photo.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="IMG_4.jpg"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert "private" in response["Cache-Control"]
    data = b"".join(response.streaming_content)
    with photo.original.open("rb") as fh:
        assert data == fh.read()  # the original as uploaded, EXIF included
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)


def test_an_original_uploaded_under_an_html_name_downloads_as_the_image_it_is(
        volunteer, researcher, client):
    photo, _job = services.photo_submit(
        sighting=SightingFactory(), actor=volunteer,
        upload=upload(seed=9, name="page.html", content_type="text/html"))
    assert photo.original.name.endswith(".jpg")
    client.force_login(researcher)
    response = client.get(reverse("dois:photo_original", kwargs={"pk": photo.pk}))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="page.jpg"'


def test_renderings_are_inline_images_with_nosniff_and_a_sandbox(photos, client):
    response = client.get(reverse("dois:photo_image",
                                  kwargs={"pk": photos["public"].pk, "kind": "crop"}))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_stored_names_are_unguessable_and_nothing_shown_leads_to_them(
        photos, volunteer, other_volunteer, researcher, client):
    names = {p.original.name for p in photos.values()}
    for photo in photos.values():
        name = photo.original.name
        assert re.fullmatch(r"dois/originals/[A-Za-z0-9_-]{32}\.jpg", name), name
        assert photo.sha256[:16] not in name and "IMG_" not in name
    tokens = {PurePosixPath(n).stem for n in names}
    shas = {p.sha256 for p in photos.values()}

    def assert_clean(text: str, where: str) -> None:
        for secret in tokens | shas | {s[:16] for s in shas}:
            assert secret not in text, (where, secret)
        assert "sha256" not in text, where

    clients = _clients(volunteer, other_volunteer, researcher)
    for who, api in clients.items():
        listing = api.get("/api/v1/photos/")
        assert listing.status_code == 200
        assert_clean(listing.content.decode(), f"photo list as {who}")
        for photo in photos.values():
            item = api.get(f"/api/v1/photos/{photo.pk}/")
            if item.status_code == 200:
                assert "sha256" not in item.json()
                assert_clean(item.content.decode(), f"photo {photo.pk} as {who}")
    schema = client.get("/api/schema/").content.decode()
    assert "sha256" not in schema
    public = photos["public"]
    job = public.jobs.get()
    pages = [reverse("dois:catalogue"), public.individual.get_absolute_url(),
             reverse("dois:job", kwargs={"pk": job.pk}), f"/api/v1/jobs/{job.pk}/",
             "/api/v1/sightings/", "/api/v1/individuals/"]
    for user in (None, volunteer, researcher):
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in pages + ([reverse("dois:mine")] if user else []):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_clean(response.content.decode(), f"{url} as {user}")


@pytest.mark.parametrize("who", ["anonymous", "other volunteer"])
def test_the_job_of_a_hidden_photo_is_404_on_its_page_and_the_api(
        photos, volunteer, other_volunteer, researcher, client, who):
    api = _clients(volunteer, other_volunteer, researcher)[who]
    if who == "other volunteer":
        client.force_login(other_volunteer)
    for state in HIDDEN:
        job = photos[state].jobs.get()
        assert client.get(reverse("dois:job", kwargs={"pk": job.pk})).status_code == 404
        assert api.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    job = photos["public"].jobs.get()
    assert client.get(reverse("dois:job", kwargs={"pk": job.pk})).status_code == 200
    assert api.get(f"/api/v1/jobs/{job.pk}/").status_code == 200


def test_the_uploader_follows_the_job_of_an_unreviewed_photo(photos, volunteer, client):
    job = photos["unreviewed"].jobs.get()
    client.force_login(volunteer)
    assert client.get(reverse("dois:job", kwargs={"pk": job.pk})).status_code == 200
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 200


def test_one_rule_decides_who_sees_a_photo_and_its_job(photos, volunteer, other_volunteer,
                                                        researcher):
    from django.contrib.auth.models import AnonymousUser

    users = [AnonymousUser(), volunteer, other_volunteer, researcher]
    expected = {  # state: (anonymous, uploader, other volunteer, researcher)
        "public": (True, True, True, True),
        "private": (False, True, False, True),
        "unusable": (False, True, False, True),
        "unreviewed": (False, True, False, True),
    }
    for state, photo in photos.items():
        job = photo.jobs.get()
        for user, visible in zip(users, expected[state], strict=True):
            assert rules.photo_visible_to(photo=photo, user=user) is visible
            assert rules.job_visible_to(job=job, user=user) is visible
            assert selectors.photos_visible(user=user).filter(pk=photo.pk).exists() is visible
            assert (photo in selectors.photo_list_visible(user=user)) is visible
            assert (job_get(job_id=job.pk, user=user) is not None) is visible
    # reference photos of an individual follow the same rule
    individual = photos["public"].individual
    assert {p.pk for p in selectors.individual_best_photos(
        individual=individual, user=other_volunteer)} == {photos["public"].pk}
    assert {p.pk for p in selectors.individual_best_photos(
        individual=individual, user=researcher)} == {photos["public"].pk,
                                                     photos["private"].pk}


def test_a_candidate_is_shown_with_a_photo_only_when_that_photo_is_visible(
        model_version, volunteer, researcher, client):
    from tests.dois.jobs_support import gallery_make

    inds, refs = gallery_make(individuals=2, per_individual=1, model_version=model_version)
    Photo.objects.filter(pk=refs[0].pk).update(is_public=False)
    with transaction.atomic():
        job = services.identification_job_create(photo=PhotoFactory(uploaded_by=volunteer))
    services.identification_jobs_run(job_ids=[job.pk])
    client.force_login(volunteer)
    html = client.get(reverse("dois:job", kwargs={"pk": job.pk})).content.decode()
    assert inds[0].code in html and inds[1].code in html
    assert f"/dois/photos/{refs[0].pk}/" not in html  # private reference photo
    assert f"/dois/photos/{refs[1].pk}/crop.jpg" in html


# --- errors shown to users carry no server paths -----------------------------------------


def _assert_no_server_detail(text: str, *paths) -> None:
    for path in paths:
        assert str(path) not in text
    assert "Traceback" not in text and "Errno" not in text and "/tmp" not in text


def test_a_job_whose_photo_file_is_gone_fails_without_showing_the_path(
        model_version, volunteer, settings, client):
    with transaction.atomic():
        photo = PhotoFactory(uploaded_by=volunteer)
        job = services.identification_job_create(photo=photo)
    photo.original.storage.delete(photo.original.name)
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert job.status == "failed" and job.error_code == "photo_missing"
    _assert_no_server_detail(job.error, settings.MEDIA_ROOT)
    client.force_login(volunteer)
    page = client.get(reverse("dois:job", kwargs={"pk": job.pk})).content.decode()
    assert "The photo&#x27;s file is missing on the server." in page
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["error"] == "The photo's file is missing on the server."
    assert body["error_code"] == "photo_missing"
    _assert_no_server_detail(page, settings.MEDIA_ROOT, photo.original.name)
    _assert_no_server_detail(json.dumps(body), settings.MEDIA_ROOT, photo.original.name)
    # the rendering of a photo whose file is gone is a 404, not a 500
    assert client.get(reverse("dois:photo_image",
                              kwargs={"pk": photo.pk, "kind": "crop"})).status_code == 404


def test_a_missing_model_fails_jobs_without_showing_its_folder(model_version, volunteer,
                                                               tmp_path, client):
    folder = tmp_path / "secret-models"
    ModelVersion.objects.filter(pk=model_version.pk).update(
        file_path=str(folder / "gone.keras"))
    with transaction.atomic():
        job = services.identification_job_create(photo=PhotoFactory(uploaded_by=volunteer))
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert job.status == "failed" and job.error_code == "model_unavailable"
    assert "gone.keras" in job.error  # operators learn which file
    _assert_no_server_detail(job.error, folder)
    client.force_login(volunteer)
    page = client.get(reverse("dois:job", kwargs={"pk": job.pk})).content.decode()
    assert "runs again automatically once the model is back" in page
    _assert_no_server_detail(page, folder)
    health = client.get("/healthz").json()["checks"]["model"]["detail"]
    assert "gone.keras" in health and str(folder) not in health
    zh = client.get(f"/zh-hans/dois/jobs/{job.pk}/").content.decode()
    assert "模型" in zh and "runs again automatically" not in zh


def test_old_failed_jobs_show_the_message_of_their_code_not_their_stored_text(
        model_version, volunteer, client):
    with transaction.atomic():
        job = services.identification_job_create(photo=PhotoFactory(uploaded_by=volunteer))
    IdentificationJob.objects.filter(pk=job.pk).update(
        status="failed", error="Traceback: /srv/hub/var/media/dois/originals/x.jpg")
    client.force_login(volunteer)
    page = client.get(reverse("dois:job", kwargs={"pk": job.pk})).content.decode()
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    for text in (page, json.dumps(body)):
        assert "/srv/hub" not in text and "Traceback" not in text
    assert body["error"] == "Identification failed because of an error on the server."


# --- exports: researchers only, as attachments -----------------------------------------


# the dataset and the other large exports are files of runs: see test_exports_runs.py
EXPORTS = ["dois:export_capture_csv", "dois:export_capture_inp", "dois:exports"]


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_are_for_researchers_only_and_never_active_content(
        photos, client, volunteer, researcher, name):
    url = reverse(name)
    assert client.get(url).status_code == 403
    client.force_login(volunteer)
    assert client.get(url).status_code == 403
    client.force_login(researcher)
    response = client.get(url)
    assert response.status_code == 200
    if name != "dois:exports":
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"].startswith("sandbox")


def test_no_model_or_training_file_is_under_the_media_root():
    """Model files and training outputs live outside ``MEDIA_ROOT`` (which no URL serves
    anyway): ``DOIS_MODEL_DIR`` and the shipped model are reachable only by the workers."""
    from pathlib import Path

    from hub import settings as configured

    media = Path(configured.MEDIA_ROOT).resolve()
    for path in (Path(configured.DOIS_MODEL_DIR), Path(configured.DOIS_MODEL_PATH)):
        assert not path.resolve().is_relative_to(media), path
