"""Stored files go out only as safe responses: nosniff, sandboxed, attachments unless a
re-encoded image, never HTML or SVG as such; S3 through short-lived signed URLs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from common import files


def _store(name: str, data: bytes) -> str:
    return default_storage.save(name, ContentFile(data))


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("filename,content", [
    ("evil.html", b"<script>alert(1)</script>"),
    ("evil.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("evil.js", b"alert(1)"),
    ("page.xhtml", b"<html/>"),
])
def test_active_content_is_never_served_as_such(filename, content):
    name = _store(f"t/{filename}", content)
    response = files.file_response(name=name, inline=True)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert _body(response) == content


def test_a_reencoded_image_may_be_inline():
    name = _store("t/photo.jpg", b"\xff\xd8\xff\xe0 jpeg")
    response = files.file_response(name=name, inline=True, private=False)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"].startswith("public")


def test_pdf_is_an_attachment_with_its_own_type_and_a_private_cache():
    name = _store("t/slides.pdf", b"%PDF-1.7 ...")
    response = files.file_response(name=name, filename="Slides 幻灯片.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''Slides%20%E5%B9%BB%E7%81%AF%E7%89%87.pdf" in (
        response["Content-Disposition"])
    assert response["Cache-Control"].startswith("private")


def test_bytes_response_neutralises_html_too():
    response = files.bytes_response(data=b"<b>x</b>", filename="x.html",
                                    content_type="text/html", inline=True)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_x_accel_redirect_hands_the_file_to_nginx(settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_protected/"
    name = _store("t/notes.pdf", b"%PDF-1.4")
    response = files.file_response(name=name)
    assert response["X-Accel-Redirect"] == f"/_protected/{name}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment")


def test_random_names_are_unguessable_and_keep_a_clean_extension():
    names = {files.random_name(folder="dois/originals", filename="IMG_0001.JPG")
             for _ in range(50)}
    assert len(names) == 50
    for name in names:
        folder, _, base = name.rpartition("/")
        assert folder == "dois/originals"
        token, ext = base.split(".")
        assert ext == "jpg" and len(token) >= 32 and "IMG" not in token
    assert files.random_name(folder="x", filename="../../etc/passwd").startswith("x/")
    assert files.random_name(folder="x", filename='a.ph"p<>').endswith(".php")
    assert files.RandomName("a") == files.RandomName("a") != files.RandomName("b")


def test_s3_gets_a_signed_url_that_carries_the_safe_headers(settings):
    from storages.backends.s3 import S3Storage

    settings.MEDIA_SIGNED_URL_TTL_S = 120
    storage = S3Storage(bucket_name="hub-media", endpoint_url="http://127.0.0.1:9",
                        access_key="test", secret_key="test-secret", region_name="us-east-1",
                        querystring_auth=True, default_acl="private",
                        signature_version="s3v4")
    response = files.file_response(name="dois/originals/abc.svg", storage=storage, inline=True)
    assert response.status_code == 302
    url = urlparse(response["Location"])
    query = parse_qs(url.query)
    assert url.path.endswith("/dois/originals/abc.svg")
    assert query["response-content-type"] == ["application/octet-stream"]
    assert query["response-content-disposition"][0].startswith("attachment")
    assert query["X-Amz-Expires"] == ["120"] and "X-Amz-Signature" in query
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_missing_file_is_a_404_not_a_500():
    from django.http import Http404

    with pytest.raises(Http404):
        files.file_response(name="t/gone.pdf")


def _field_file(name: str, storage=None) -> FieldFile:
    return FieldFile(None, models.FileField(storage=storage or default_storage), name)


class BrokenDeletes(FileSystemStorage):
    """A storage whose deletes of ``*.stuck`` files fail (a backend outage)."""

    def delete(self, name):
        if name.endswith(".stuck"):
            raise OSError("storage unavailable")
        super().delete(name)


@pytest.mark.django_db
def test_files_are_deleted_only_once_the_transaction_commits(
        django_capture_on_commit_callbacks):
    name = _store("t/old.pdf", b"%PDF")
    field = _field_file(name)
    with django_capture_on_commit_callbacks(execute=True):
        files.files_delete_on_commit(files=[field])
        field.name = _store("t/new.pdf", b"%PDF")  # the field moves on; the old name went
        assert default_storage.exists(name)
    assert not default_storage.exists(name)
    assert default_storage.exists(field.name)


@pytest.mark.django_db
def test_a_rolled_back_delete_keeps_its_files(django_capture_on_commit_callbacks):
    name = _store("t/kept.pdf", b"%PDF")
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(RuntimeError), transaction.atomic()):
        files.files_delete_on_commit(files=[_field_file(name)])
        raise RuntimeError("the delete failed")
    assert callbacks == []
    assert default_storage.exists(name)


@pytest.mark.django_db
def test_empty_fields_register_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        files.files_delete_on_commit(files=[None, _field_file("")])
    assert callbacks == []


@pytest.mark.django_db
def test_a_failing_storage_is_logged_and_the_other_files_still_go(
        settings, caplog, django_capture_on_commit_callbacks):
    storage = BrokenDeletes(location=settings.MEDIA_ROOT)
    stuck, gone = storage.save("t/a.stuck", ContentFile(b"1")), storage.save("t/b.pdf",
                                                                              ContentFile(b"2"))
    with caplog.at_level("WARNING", logger="common.files"):
        with django_capture_on_commit_callbacks(execute=True):
            files.files_delete_on_commit(files=[_field_file(stuck, storage),
                                                _field_file(gone, storage)])
        assert storage.exists(stuck) and not storage.exists(gone)
        files.files_delete_now(files=[_field_file(stuck, storage)])
    assert [r.getMessage() for r in caplog.records] == [
        f"could not delete stored file {stuck}"] * 2


def test_files_of_a_row_never_saved_are_deleted_at_once():
    name = _store("t/orphan.jpg", b"\xff\xd8\xff")
    files.files_delete_now(files=[_field_file(name), None, _field_file("")])
    assert not default_storage.exists(name)
