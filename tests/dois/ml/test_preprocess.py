"""Preprocessing: square padding, crop boxes, EXIF orientation, clear errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dois.ml.preprocess import PAD_VALUE, BoxError, ImageDecodeError, load_image, load_images


def _is_pad(pixels: np.ndarray) -> np.ndarray:
    return np.all(np.abs(pixels.astype(int) - PAD_VALUE) <= 2, axis=-1)


def _save(img: Image.Image, path, **kwargs) -> None:
    img.save(path, **kwargs)


def test_wide_image_is_padded_not_stretched(tmp_path):
    path = tmp_path / "wide.png"
    _save(Image.new("RGB", (200, 100), (255, 0, 0)), path)
    arr = load_image(path, size=64, as_uint8=True)
    assert arr.shape == (64, 64, 3)
    red_rows = np.where(np.all(arr[:, 32] == (255, 0, 0), axis=-1))[0]
    # Content keeps its 2:1 aspect ratio: 64 wide, 32 tall, centred, grey above and below.
    assert len(red_rows) == 32
    assert red_rows[0] == 16
    assert _is_pad(arr[:16]).all() and _is_pad(arr[48:]).all()
    assert np.all(arr[32, :] == (255, 0, 0))


def test_float_output_is_normalised(tmp_path):
    path = tmp_path / "img.png"
    _save(Image.new("RGB", (40, 40), (255, 255, 255)), path)
    arr = load_image(path, size=16)
    assert arr.dtype == np.float32
    assert arr.max() == pytest.approx(1.0)
    assert arr.min() >= 0.0


def test_crop_box_selects_region_and_pads(tmp_path):
    img = Image.new("RGB", (300, 200), (0, 0, 255))
    img.paste((0, 255, 0), (100, 50, 160, 170))  # green block 60 wide x 120 tall
    path = tmp_path / "boxed.png"
    _save(img, path)
    arr = load_image(path, box=(100, 50, 160, 170), size=60, as_uint8=True)
    green_cols = np.where(np.all(arr[30] == (0, 255, 0), axis=-1))[0]
    assert len(green_cols) == 30  # half as wide as tall, after resizing 120 -> 60
    assert _is_pad(arr[:, :15]).all() and _is_pad(arr[:, 45:]).all()
    assert not (arr == (0, 0, 255)).all(axis=-1).any()


def test_exif_orientation_is_applied(tmp_path):
    img = Image.new("RGB", (100, 50), (255, 0, 0))
    img.paste((0, 0, 255), (50, 0, 100, 50))  # left red, right blue (as stored)
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise: 50 wide x 100 tall
    path = tmp_path / "rotated.jpg"
    img.save(path, exif=exif, quality=95)
    arr = load_image(path, size=64, as_uint8=True)
    # Tall content: padded left and right, not top and bottom.
    assert _is_pad(arr[:, :14]).all() and _is_pad(arr[:, 50:]).all()
    assert not _is_pad(arr[5:59, 20:44]).any()
    # Rotated clockwise: the stored left (red) half is now on top.
    top, bottom = arr[10, 32].astype(int), arr[54, 32].astype(int)
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_draft_decode_of_large_jpeg_matches_full_decode(tmp_path):
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
    big = Image.fromarray(small).resize((1600, 1200), Image.BICUBIC)
    buf = io.BytesIO()
    big.save(buf, format="JPEG", quality=92)
    fast = load_image(buf.getvalue(), size=64)
    png = tmp_path / "big.png"  # PNG has no draft mode: full-resolution decode
    big.save(png)
    full = load_image(png, size=64)
    assert np.abs(fast - full).mean() < 0.03


def test_box_in_oriented_coordinates_with_draft(tmp_path):
    big = Image.new("RGB", (2000, 1000), (0, 0, 0))
    big.paste((255, 255, 255), (1500, 200, 1900, 600))
    path = tmp_path / "big.jpg"
    big.save(path, quality=95)
    arr = load_image(path, box=(1500, 200, 1900, 600), size=32)
    assert arr.mean() > 0.9


def test_corrupt_file_raises_clear_error(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not a jpeg at all")
    with pytest.raises(ImageDecodeError, match="cannot decode"):
        load_image(bad)
    with pytest.raises(ImageDecodeError):
        load_image(b"\xff\xd8\xff\xe0garbage")


def test_truncated_jpeg_raises_clear_error(tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 20, 30)).save(buf, format="JPEG")
    path = tmp_path / "trunc.jpg"
    path.write_bytes(buf.getvalue()[:200])
    with pytest.raises(ImageDecodeError):
        load_image(path, size=32)


def test_missing_file_raises_clear_error(tmp_path):
    with pytest.raises(ImageDecodeError, match="not found"):
        load_image(tmp_path / "nope.jpg")


@pytest.mark.parametrize("box", [(10, 10, 10, 20), (30, 5, 20, 40), (500, 500, 600, 600),
                                 (-50, -50, -10, -10)])
def test_empty_or_outside_box_raises(tmp_path, box):
    path = tmp_path / "img.png"
    Image.new("RGB", (100, 80)).save(path)
    with pytest.raises(BoxError):
        load_image(path, box=box, size=16)


def test_load_images_stacks_batch(tmp_path):
    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.png"
        Image.new("RGB", (20 + i * 10, 30), (i * 80, 0, 0)).save(p)
        paths.append(p)
    batch = load_images(paths, size=24)
    assert batch.shape == (3, 24, 24, 3)
    assert batch.dtype == np.float32
