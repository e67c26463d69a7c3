"""Factories and Pillow-made test images for the DoIs tests."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from dois.models import Individual, Photo, Sighting
from tests.hub.factories import UserFactory  # noqa: F401 - re-exported for tests


def image_bytes(*, seed: int = 0, size=(320, 240), fmt: str = "JPEG", exif=None) -> bytes:
    """A small, unique image: a grey fin on a blue sea, drawn from ``seed``."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (30, 60 + seed % 100, 120))
    draw = ImageDraw.Draw(image)
    w, h = size
    base = rng.randint(w // 4, w // 2)
    draw.polygon([(base, h - 20), (base + rng.randint(20, 80), rng.randint(20, h // 2)),
                  (base + rng.randint(90, 140), h - 20)], fill=(120, 120, 125))
    for _ in range(5):
        x, y = rng.randrange(w), rng.randrange(h)
        draw.ellipse((x, y, x + 6, y + 6), fill=(rng.randrange(255), 80, 80))
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def exif_with_gps(*, latitude: float, longitude: float,
                  taken: str = "2024:05:06 07:08:09") -> Image.Exif:
    """An EXIF block with DateTimeOriginal and a GPS IFD, written with Pillow's API."""
    def dms(value: float):
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (float(degrees), float(minutes), float(seconds))

    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = taken
    gps = exif.get_ifd(0x8825)
    gps[1] = "N" if latitude >= 0 else "S"
    gps[2] = dms(latitude)
    gps[3] = "E" if longitude >= 0 else "W"
    gps[4] = dms(longitude)
    return exif


def upload(*, seed: int = 0, name: str | None = None, data: bytes | None = None,
           content_type: str = "image/jpeg", **kwargs) -> SimpleUploadedFile:
    data = image_bytes(seed=seed, **kwargs) if data is None else data
    return SimpleUploadedFile(name or f"fin-{seed}.jpg", data, content_type=content_type)


def broken_upload(*, name: str = "broken.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(seed=999)[:400], content_type="image/jpeg")


class IndividualFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Individual

    prefix = "PRE"
    number = factory.Sequence(lambda n: 9000 + n)
    code = factory.LazyAttribute(lambda o: f"{o.prefix}-{o.number:04d}")
    nickname = factory.Sequence(lambda n: f"Fin {n}")


class SightingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sighting

    observed_at = factory.Sequence(lambda n: datetime(2024, 1, 1 + n % 28, 9, 0, tzinfo=UTC))
    latitude = 22.2345
    longitude = 113.7654
    area = "Lingding Bay"
    trip = "Survey boat 1"


class PhotoFactory(factory.django.DjangoModelFactory):
    """A photo row with a real original file (bypasses the service checks)."""

    class Meta:
        model = Photo

    sighting = factory.SubFactory(SightingFactory)
    original = factory.LazyAttribute(
        lambda o: SimpleUploadedFile(f"p{o.sha256[:8]}.jpg",
                                     image_bytes(seed=int(o.sha256[-6:], 16))))
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    width = 320
    height = 240
    crop_w = 320
    crop_h = 240
    split = Photo.Split.TRAIN
    state = Photo.State.SUBMITTED
