"""An uploaded image is read within the size limit and checked before anything keeps it;
every refusal is a message on the form's field."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from common.uploads import UploadRejected, image_upload_check, upload_read


def _png(size=(60, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


class LyingUpload(io.BytesIO):
    """An upload that declares a size and must never be read when that size is too big."""

    def __init__(self, data: bytes, size: int) -> None:
        super().__init__(data)
        self.size = size
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        return super().read(*args)


def test_an_image_comes_back_with_its_bytes_and_facts():
    data = _png()
    read, info = image_upload_check(SimpleUploadedFile("a.png", data))
    assert read == data
    assert (info.format, info.width, info.height) == ("PNG", 60, 40)


def test_a_declared_size_over_the_limit_is_refused_before_reading(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    upload = LyingUpload(_png(), size=10**9)
    with pytest.raises(ValidationError) as refused:
        image_upload_check(upload, field="photo")
    assert upload.reads == 0
    assert list(refused.value.message_dict) == ["photo"]
    assert "too large" in refused.value.message_dict["photo"][0]


def test_a_stream_longer_than_its_declared_size_is_cut_at_the_limit():
    upload = LyingUpload(b"\x89PNG" + b"0" * 5000, size=10)
    with pytest.raises(UploadRejected):
        upload_read(upload, max_bytes=100)
    with pytest.raises(ValidationError, match="too large"):
        image_upload_check(LyingUpload(b"0" * 5000, size=10), max_bytes=100)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not"),
    (_png()[:60], "broken"),
], ids=["empty", "svg", "truncated"])
def test_what_is_not_an_image_we_keep_is_refused_on_the_field(data, message):
    with pytest.raises(ValidationError) as refused:
        image_upload_check(SimpleUploadedFile("x.png", data))
    assert message in refused.value.message_dict["image"][0]


def test_the_pixel_count_is_checked_before_decoding(settings):
    settings.UPLOAD_MAX_PIXELS = 100
    with pytest.raises(ValidationError, match="pixels"):
        image_upload_check(SimpleUploadedFile("big.png", _png((60, 40))))
    # an explicit limit wins over the setting
    assert image_upload_check(SimpleUploadedFile("big.png", _png((60, 40))),
                              max_pixels=10_000)[1].width == 60
