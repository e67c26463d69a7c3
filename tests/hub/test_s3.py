"""Media on S3-compatible storage (MEDIA_STORAGE=s3), against an S3 emulator (moto's
server, started by scripts/with_services.py): files written and read through
django-storages, every object private, and files handed out only by the views that check
who may see them, as short-lived signed URLs.

What the emulator cannot show: moto accepts a signed URL whose signature was tampered
with or whose time ran out (it checks neither), so refusing those is left to the real
store; these tests check what the hub controls (private objects, a signature, its
lifetime and the response headers it asks for)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.urls import reverse

from tests.dois.factories import PhotoFactory as DoisPhotoFactory
from tests.events.factories import EventFactory, MaterialFactory
from tests.hub.factories import UserFactory
from tests.support import s3_endpoint, s3_storage_options

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _keys(client, bucket) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _assert_private(client, bucket: str, key: str) -> None:
    acl = client.get_object_acl(Bucket=bucket, Key=key)
    public = [g for g in acl["Grants"]
              if g["Grantee"].get("URI", "").endswith(("AllUsers", "AuthenticatedUsers"))]
    assert not public, (key, acl["Grants"])
    anonymous = requests.get(f"{s3_endpoint()}/{bucket}/{key}", timeout=10)
    assert anonymous.status_code == 403, key


def _follow(response) -> requests.Response:
    """The view's redirect to a signed URL, checked and fetched."""
    assert response.status_code == 302, response.status_code
    url = response["Location"]
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    assert "X-Amz-Signature" in query
    assert response["Referrer-Policy"] == "no-referrer"
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    return fetched


def test_the_settings_give_s3_the_options_these_tests_use():
    script = ("import django, json; django.setup()\n"
              "from django.conf import settings\n"
              "print(json.dumps(settings.STORAGES['default']))\n")
    env = {**os.environ, "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "hub-media",
           "AWS_S3_ENDPOINT_URL": "https://s3.example.org", "AWS_S3_REGION_NAME": "eu-1",
           "DJANGO_SETTINGS_MODULE": "hub.settings"}
    import json

    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    storage = json.loads(out.strip().splitlines()[-1])
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    expected = s3_storage_options("hub-media")
    for key in ("default_acl", "querystring_auth", "querystring_expire", "signature_version",
                "file_overwrite"):
        assert storage["OPTIONS"][key] == expected[key], key


def test_a_photo_original_is_a_private_object_researchers_get_by_signed_url(client, s3_bucket):
    client_s3, bucket = s3_bucket
    photo = DoisPhotoFactory(state="confirmed", is_public=True)
    key = photo.original.name
    assert key in _keys(client_s3, bucket)
    assert key.startswith("dois/originals/") and photo.sha256[:16] not in key
    _assert_private(client_s3, bucket, key)
    url = reverse("dois:photo_original", kwargs={"pk": photo.pk})
    assert client.get(url).status_code in (302, 403)  # anonymous: the login or a refusal
    assert "X-Amz" not in client.get(url).get("Location", "")
    client.force_login(UserFactory(roles=["researcher"]))
    fetched = _follow(client.get(url))
    assert fetched.content[:3] == b"\xff\xd8\xff"
    assert fetched.headers["Content-Disposition"].startswith("attachment")


def test_derivatives_are_rendered_from_s3_and_kept_there_privately(client, s3_bucket):
    client_s3, bucket = s3_bucket
    photo = DoisPhotoFactory(state="confirmed", is_public=True)
    from tests.dois.factories import IndividualFactory

    photo.individual = IndividualFactory()
    photo.save()
    response = client.get(reverse("dois:photo_image", kwargs={"pk": photo.pk, "kind": "thumb"}))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    derived = [k for k in _keys(client_s3, bucket) if k != photo.original.name]
    assert derived, "the derivative was not stored"
    for key in derived:
        _assert_private(client_s3, bucket, key)
    again = client.get(reverse("dois:photo_image", kwargs={"pk": photo.pk, "kind": "thumb"}))
    assert again.content == response.content


def test_event_files_are_private_objects_served_by_signed_url_once_visible(client, s3_bucket):
    client_s3, bucket = s3_bucket
    draft = EventFactory(status="draft")
    material = MaterialFactory(event=draft, file__data=b"%PDF-1.4 slides",
                               file__filename="slides.pdf")
    key = material.file.name
    _assert_private(client_s3, bucket, key)
    url = reverse("events:material_file", kwargs={"slug": draft.slug, "pk": material.pk})
    assert client.get(url).status_code == 404  # a draft's file: nobody outside
    draft.status = "published"
    draft.save()
    fetched = _follow(client.get(url))
    assert fetched.content == b"%PDF-1.4 slides"
    assert fetched.headers["Content-Disposition"].startswith("attachment")
    assert fetched.headers["Content-Type"] == "application/pdf"


def test_an_uploaded_html_never_comes_back_as_html_from_s3(client, s3_bucket):
    client_s3, bucket = s3_bucket
    event = EventFactory(status="published")
    material = MaterialFactory(event=event, kind="code", file__data=b"print('hi')\n",
                               file__filename="evil.html", filename="evil.html")
    fetched = _follow(client.get(reverse("events:material_file",
                                         kwargs={"slug": event.slug, "pk": material.pk})))
    assert fetched.headers["Content-Type"] == "application/octet-stream"
    assert fetched.headers["Content-Disposition"].startswith("attachment")
