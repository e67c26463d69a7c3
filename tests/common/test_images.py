"""Uploaded images are checked with bounded memory and every failure becomes a message."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from common import images

ROOT = Path(__file__).resolve().parents[2]


def _png(size=(120, 80), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, "PNG", **save)
    return buffer.getvalue()


def _jpeg(size=(120, 80), exif=None) -> bytes:
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 100, 50)).save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


def test_png_is_accepted_with_its_exif():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: displayed size is swapped
    exif[0x0132] = "2024:05:06 07:08:09"
    info = images.image_inspect(_png(exif=exif), max_pixels=10**6)
    assert (info.format, info.width, info.height) == ("PNG", 80, 120)
    assert info.taken_at is not None and info.taken_at.year == 2024


def test_exif_gps_is_read_from_jpeg():
    exif = Image.Exif()
    gps = exif.get_ifd(images.GPS_IFD)
    gps.update({1: "N", 2: (22.0, 15.0, 0.0), 3: "E", 4: (113.0, 45.0, 36.0)})
    info = images.image_inspect(_jpeg(exif=exif), max_pixels=10**6)
    assert info.latitude == pytest.approx(22.25)
    assert info.longitude == pytest.approx(113.76)


def test_png_with_a_huge_compressed_text_chunk_is_refused_not_crashed():
    meta = PngImagePlugin.PngInfo()
    meta.add_text("comment", "A" * (16 * 2**20), zip=True)
    with pytest.raises(images.ImageRejected, match="broken"):
        images.image_inspect(_png(pnginfo=meta), max_pixels=10**6)


@pytest.mark.parametrize("data,message", [
    (b"not an image at all", "not an image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not an image"),
    (b"\x89PNG\r\n\x1a\n garbage", "broken"),
    (b"", "not an image"),
])
def test_junk_is_refused_with_a_message(data, message):
    with pytest.raises(images.ImageRejected, match=message):
        images.image_inspect(data, max_pixels=10**6)


def test_truncated_jpeg_is_refused():
    data = _jpeg(size=(640, 480))
    with pytest.raises(images.ImageRejected, match="broken"):
        images.image_inspect(data[: len(data) // 2], max_pixels=10**6)


def test_gif_is_refused_as_unsupported():
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, "GIF")
    with pytest.raises(images.ImageRejected, match="GIF"):
        images.image_inspect(buffer.getvalue(), max_pixels=10**6)


def test_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(images.ImageRejected, match="too many pixels"):
        images.image_inspect(_png(size=(2000, 1000)), max_pixels=1_999_999)


def test_reencode_strips_exif_and_bounds_the_size():
    exif = Image.Exif()
    exif.get_ifd(images.GPS_IFD).update({1: "N", 2: (22.0, 15.0, 0.0), 3: "E",
                                        4: (113.0, 45.0, 36.0)})
    out = images.image_reencode(_jpeg(size=(3000, 1000), exif=exif), longest=600,
                                max_pixels=10**7)
    result = Image.open(io.BytesIO(out))
    assert result.format == "JPEG" and max(result.size) == 600
    assert not result.getexif().get_ifd(images.GPS_IFD)


def test_image_load_crops_in_displayed_coordinates():
    image = Image.new("RGB", (400, 200), (0, 0, 0))
    image.paste((255, 255, 255), (300, 0, 400, 200))  # white right quarter
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    crop = images.image_load(buffer.getvalue(), box=(300, 0, 400, 200), longest=50)
    assert max(crop.size) >= 50
    assert min(crop.getpixel((crop.width // 2, crop.height // 2))) > 200


MEMORY_PROBE = """
import io, resource, sys
sys.path.insert(0, {root!r})
import django
from django.conf import settings
settings.configure(USE_I18N=False)
django.setup()
from PIL import Image
from common import images
image = Image.new("RGB", (8868, 6652), (10, 20, 30))
buffer = io.BytesIO(); image.save(buffer, "JPEG", quality=40)
data = buffer.getvalue(); del image, buffer
import gc; gc.collect()
# a fresh process whose peak so far includes the encoder: measure in a child instead
open({path!r}, "wb").write(data)
"""

CHECK = """
import resource, sys
sys.path.insert(0, {root!r})
import django
from django.conf import settings
settings.configure(USE_I18N=False)
django.setup()
from common import images
data = open({path!r}, "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
info = images.image_inspect(data, max_pixels=60_000_000)
small = images.image_load(data, longest=1600, max_pixels=60_000_000)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(info.width, info.height, max(small.size), (after - before) // 1024, len(data))
"""


def test_a_59_megapixel_jpeg_is_checked_in_little_memory(tmp_path):
    path = str(tmp_path / "big.jpg")
    subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(root=str(ROOT), path=path)],
                   check=True, timeout=120)
    out = subprocess.run([sys.executable, "-c", CHECK.format(root=str(ROOT), path=path)],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    width, height, longest, grown_mb, size = (int(v) for v in out.split())
    assert (width, height) == (8868, 6652)
    assert longest >= 1600
    assert size < 2_000_000  # small on disk, 59 megapixels decoded
    # a full decode would need 177 MB for the pixels alone
    assert grown_mb < 60, f"checking grew the process by {grown_mb} MB"
