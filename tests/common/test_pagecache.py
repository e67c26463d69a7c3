"""Anonymous readers get cached pages; a change shows at once; nothing personal is cached."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from tests.events.factories import EventFactory
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 120
    return settings


def test_a_second_anonymous_read_is_served_from_the_cache(client, page_cache,
                                                          django_assert_num_queries):
    event = EventFactory(title="Model night")
    first = client.get(event.get_absolute_url())
    assert first["X-Page-Cache"] == "miss" and "Model night" in first.text
    with django_assert_num_queries(0):
        second = client.get(event.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_change_shows_at_once(client, page_cache, django_capture_on_commit_callbacks):
    event = EventFactory(title="Model night")
    assert "Model night" in client.get(event.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        event.title = "Model night II"
        event.save()
    response = client.get(event.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "Model night II" in response.text


def test_a_many_to_many_change_shows_at_once(client, page_cache,
                                            django_capture_on_commit_callbacks):
    from events.models import Tag

    event = EventFactory()
    client.get(event.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        event.tags.add(Tag.objects.create(slug="keras", name="keras-tag"))
    assert "keras-tag" in client.get(event.get_absolute_url()).text


def test_a_successful_post_invalidates(client, page_cache):
    event = EventFactory(title="Before")
    client.get(event.get_absolute_url())
    from django.core.cache import cache

    from common.pagecache import VERSION_KEY

    version = cache.get(VERSION_KEY)
    organiser = UserFactory()
    client.force_login(organiser)
    client.post("/en/accounts/logout/")  # any successful unsafe request
    assert cache.get(VERSION_KEY) != version


def test_pages_are_cached_per_language(client, page_cache):
    event = EventFactory()
    en = client.get(f"/en/events/{event.slug}/")
    zh = client.get(f"/zh-hans/events/{event.slug}/")
    assert zh["X-Page-Cache"] == "miss"
    assert en.content != zh.content
    assert client.get(f"/zh-hans/events/{event.slug}/")["X-Page-Cache"] == "hit"


def test_logged_in_readers_are_never_served_or_stored(client, page_cache):
    event = EventFactory()
    member = UserFactory(display_name="Secret Member")
    client.force_login(member)
    mine = client.get(event.get_absolute_url())
    assert "X-Page-Cache" not in mine
    client.logout()
    anonymous = client.get(event.get_absolute_url())
    assert "Secret Member" not in anonymous.text
    client.force_login(member)
    again = client.get(event.get_absolute_url())
    assert "X-Page-Cache" not in again and "Secret Member" in again.text


def test_a_page_that_sets_a_cookie_is_not_stored(client, page_cache):
    first = client.get("/en/accounts/signup/")  # a form: CSRF cookie
    assert "csrftoken" in first.cookies
    client.cookies.clear()
    second = client.get("/en/accounts/signup/")
    assert "X-Page-Cache" not in second and "csrftoken" in second.cookies


def test_api_token_requests_bypass_the_cache(client, page_cache):
    from rest_framework.authtoken.models import Token

    client.get("/api/v1/events/")
    token = Token.objects.create(user=UserFactory())
    response = client.get("/api/v1/events/", HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert "X-Page-Cache" not in response


def test_off_without_a_shared_cache(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    event = EventFactory()
    client.get(event.get_absolute_url())
    assert "X-Page-Cache" not in client.get(event.get_absolute_url())


def test_a_write_in_another_process_invalidates_through_redis(client, settings):
    """The web process and a worker (here a manage.py process) share Redis: a change saved
    there is seen here at once."""
    redis = urlparse(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    url = urlunparse(redis._replace(path="/12"))
    settings.CACHES = {"default": {"BACKEND": "hub.cache.FailOpenRedisCache",
                                   "LOCATION": url}}
    settings.PAGE_CACHE_SECONDS = 120
    from django.core.cache import cache
    from django.db import connection

    cache.clear()
    event = EventFactory(title="Before the change")
    assert "Before the change" in client.get(event.get_absolute_url()).text
    assert client.get(event.get_absolute_url())["X-Page-Cache"] == "hit"
    db = connection.settings_dict
    env = {**os.environ, "CACHE_URL": url, "DJANGO_SETTINGS_MODULE": "hub.settings",
           "DATABASE_URL": (f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}"
                            f":{db['PORT'] or 5432}/{db['NAME']}")}
    # the test's own transaction is not visible to another process: bump only, the
    # title is changed here (what matters is the version written by the other process)
    subprocess.run([sys.executable, "-c", (
        "import django; django.setup()\n"
        "from common.pagecache import page_cache_bump\n"
        "page_cache_bump()\n")], cwd=ROOT, env=env, check=True, timeout=120)
    from events.models import Event

    Event.objects.filter(pk=event.pk).update(title="After the change")
    response = client.get(event.get_absolute_url())
    assert response["X-Page-Cache"] == "miss" and "After the change" in response.text
    cache.clear()
