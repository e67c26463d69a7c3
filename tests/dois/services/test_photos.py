"""Submitting photos (dois.services.photos): the original kept, duplicates and bad files
refused, EXIF, crop boxes, bulk uploads, their jobs, renderings without EXIF."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from dois import services
from dois.models import IdentificationJob, ModelVersion, Photo
from dois.services import PhotoOptions
from tests.dois.factories import (
    SightingFactory,
    broken_upload,
    exif_with_gps,
    image_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


def submit(volunteer, seed=0, sighting=None, **opts):
    sighting = sighting or SightingFactory()
    return services.photo_submit(sighting=sighting, upload=upload(seed=seed),
                                 actor=volunteer, options=PhotoOptions(**opts))


# --- photos ---------------------------------------------------------------------------

def test_submit_keeps_original_bytes_and_hash(volunteer):
    data = image_bytes(seed=5)
    photo, job = services.photo_submit(sighting=SightingFactory(),
                                       upload=upload(data=data), actor=volunteer)
    # a fresh install identifies with the shipped model, which becomes version one
    assert job.status == "queued" and job.model_version.is_active
    assert job.photo == photo
    with photo.original.open("rb") as fh:
        assert fh.read() == data
    import hashlib
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.state == Photo.State.SUBMITTED
    assert (photo.crop_x, photo.crop_y, photo.crop_w, photo.crop_h) == (0, 0, 320, 240)


@pytest.mark.parametrize("method", ["edge", "appearance"])
def test_without_a_model_file_photos_are_saved_without_a_job(method, volunteer, settings,
                                                             tmp_path):
    settings.DOIS_METHOD = method
    settings.DOIS_MODEL_PATH = str(tmp_path / "absent.keras")
    settings.DOIS_SEGMENTER_PATH = str(tmp_path / "absent-segmenter.keras")
    photo, job = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=6),
                                       actor=volunteer)
    assert job is None and photo.pk is not None


def test_duplicate_is_rejected(volunteer):
    submit(volunteer, seed=1)
    with pytest.raises(ValidationError) as err:
        submit(volunteer, seed=1)
    assert "already uploaded" in str(err.value.message_dict["image"])


@pytest.mark.parametrize("payload, message", [
    (b"not an image at all", "not an image"),
    (image_bytes(seed=3)[:500], "broken"),
])
def test_bad_files_are_rejected(volunteer, payload, message):
    with pytest.raises(ValidationError) as err:
        services.photo_submit(sighting=SightingFactory(), upload=upload(data=payload),
                              actor=volunteer)
    assert message in str(err.value.message_dict["image"])


def test_too_large_and_too_many_pixels(volunteer, settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="too large"):
        submit(volunteer, seed=4)
    settings.UPLOAD_MAX_BYTES = 10**7
    settings.UPLOAD_MAX_PIXELS = 1000
    with pytest.raises(ValidationError, match="too many pixels"):
        submit(volunteer, seed=4)


def test_exif_date_and_gps_are_read(volunteer):
    data = image_bytes(seed=6, exif=exif_with_gps(latitude=22.25, longitude=113.75))
    photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(data=data),
                                     actor=volunteer)
    assert photo.exif_latitude == pytest.approx(22.25, abs=1e-4)
    assert photo.exif_longitude == pytest.approx(113.75, abs=1e-4)
    assert photo.exif_taken_at.replace(tzinfo=None) == datetime(2024, 5, 6, 7, 8, 9)


def test_exif_southern_western_hemisphere(volunteer):
    data = image_bytes(seed=7, exif=exif_with_gps(latitude=-33.5, longitude=-70.25))
    photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(data=data),
                                     actor=volunteer)
    assert photo.exif_latitude == pytest.approx(-33.5, abs=1e-4)
    assert photo.exif_longitude == pytest.approx(-70.25, abs=1e-4)


def test_photo_without_exif_has_none(volunteer):
    photo, _ = submit(volunteer, seed=8)
    assert photo.exif_taken_at is None and photo.exif_latitude is None


def test_crop_in_fractions_and_pixels(volunteer):
    photo, _ = submit(volunteer, seed=9, crop=(0.25, 0.5, 0.5, 0.5), crop_fractions=True)
    assert (photo.crop_x, photo.crop_y, photo.crop_w, photo.crop_h) == (80, 120, 160, 120)
    photo, _ = submit(volunteer, seed=10, crop=(10, 20, 100, 50))
    assert (photo.crop_x, photo.crop_y, photo.crop_w, photo.crop_h) == (10, 20, 100, 50)
    photo, _ = submit(volunteer, seed=11, crop=(300, 200, 100, 100))  # clipped
    assert (photo.crop_w, photo.crop_h) == (20, 40)
    with pytest.raises(ValidationError):
        submit(volunteer, seed=12, crop=(400, 400, 10, 10))


def test_a_crop_box_in_pixels_is_never_read_as_fractions(volunteer):
    """Values of 1 or less in pixels are a 1-pixel box (refused), not the whole image."""
    with pytest.raises(ValidationError) as err:
        submit(volunteer, seed=13, crop=(0, 0, 1, 1))
    assert "8 pixels" in str(err.value)
    with pytest.raises(ValidationError) as err:
        submit(volunteer, seed=14, crop=(0.1, 0.1, 2, 0.5), crop_fractions=True)
    assert "0 to 1" in str(err.value)


def test_split_is_deterministic_from_hash():
    sha_eval = "00000000" + "0" * 56
    assert services.photo_split_for(sha256=sha_eval) == Photo.Split.EVAL
    assert services.photo_split_for(sha256="ffffffff" + "0" * 56) == Photo.Split.TRAIN
    shas = [f"{i:08x}{'a' * 56}" for i in range(0, 2**32, 2**32 // 500)]
    evals = sum(services.photo_split_for(sha256=s) == Photo.Split.EVAL for s in shas)
    assert 0.1 < evals / len(shas) < 0.3


def test_submit_needs_permission(organiser_only):
    with pytest.raises(PermissionDenied):
        submit(organiser_only, seed=13)


def test_bulk_submit_keeps_good_files_and_reports_bad(volunteer):
    sighting, results = services.sighting_with_photos_submit(
        actor=volunteer,
        sighting_fields={"observed_at": datetime(2024, 3, 1, 8, tzinfo=UTC),
                         "latitude": 22.2, "longitude": 113.7, "area": "Lingding"},
        uploads=[upload(seed=20), broken_upload(), upload(seed=21)],
        options=[PhotoOptions(), PhotoOptions(), PhotoOptions(side="left")],
    )
    assert sighting is not None
    assert [bool(r.photo) for r in results] == [True, False, True]
    assert results[1].errors and "broken" in results[1].errors[0]
    assert sighting.photos.count() == 2


def test_bulk_submit_with_only_bad_files_keeps_no_sighting(volunteer):
    from dois.models import Sighting
    sighting, results = services.sighting_with_photos_submit(
        actor=volunteer,
        sighting_fields={"observed_at": datetime(2024, 3, 1, 8, tzinfo=UTC),
                         "latitude": 22.2, "longitude": 113.7},
        uploads=[broken_upload()], options=[PhotoOptions()])
    assert sighting is None and not Sighting.objects.exists()


def test_job_created_with_active_model_and_sent_on_commit(volunteer, _no_broker,
                                                          django_capture_on_commit_callbacks):
    version = ModelVersion.objects.create(name="fin-embedder-v1", file_path="x.keras",
                                          embedding_dim=128, input_size=224, threshold=0.5,
                                          is_active=True)
    with django_capture_on_commit_callbacks(execute=True):
        photo, job = submit(volunteer, seed=30)
    assert job.model_version == version and job.status == IdentificationJob.Status.QUEUED
    assert _no_broker == [("dois.tasks.identify_photo", [job.id], "identify")]
    job.refresh_from_db()
    assert job.sent_at is not None


def test_broker_failure_keeps_upload(volunteer, monkeypatch,
                                     django_capture_on_commit_callbacks):
    from celery import current_app

    ModelVersion.objects.create(name="v", file_path="x", embedding_dim=8, input_size=64,
                                threshold=0.5, is_active=True)

    def down(*a, **k):
        raise ConnectionError("broker down")
    monkeypatch.setattr(current_app, "send_task", down)
    with django_capture_on_commit_callbacks(execute=True):
        photo, job = submit(volunteer, seed=31)
    job.refresh_from_db()
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert job.status == "queued" and job.sent_at is None


def test_derivative_has_no_exif(volunteer):
    data = image_bytes(seed=40, exif=exif_with_gps(latitude=22.3, longitude=113.8))
    photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(data=data),
                                     actor=volunteer, options=PhotoOptions(
                                         crop=(10, 10, 100, 80)))
    import io
    for kind in ("crop", "thumb", "square", "full"):
        out = Image.open(io.BytesIO(services.photo_derivative(photo=photo, kind=kind)))
        assert not out.getexif()
        assert 0x8825 not in out.getexif()
    square = Image.open(io.BytesIO(services.photo_derivative(photo=photo, kind="square")))
    assert square.size == (224, 224)
