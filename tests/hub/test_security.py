"""Issue #12 on the hub's side: throttled logins, sign-ups, password resets and API; a
cache that fails open; production refusing demo accounts; no URL that serves media."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hub import checks
from hub.demo import DEMO_PASSWORD
from tests.hub.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _login(client, username: str, password: str, *, address: str = "10.0.0.1"):
    return client.post("/en/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


# --- logins -----------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    user = UserFactory(username="mei")
    for _ in range(30):
        _login(client, "mei", "wrong password")
    response = _login(client, "mei", PASSWORD)
    assert response.status_code == 429
    assert "Login locked" in response.text
    assert "_auth_user_id" not in client.session
    assert client.get("/en/accounts/profile/").status_code == 302  # still anonymous
    user.refresh_from_db()


def test_the_lock_holds_for_the_account_from_another_address(client):
    UserFactory(username="mei")
    for i in range(5):
        _login(client, "mei", "wrong", address=f"10.0.1.{i}")
    response = _login(client, "mei", PASSWORD, address="10.9.9.9")
    assert response.status_code == 429


def test_one_address_trying_many_accounts_is_locked(client):
    UserFactory(username="victim")
    for i in range(5):
        _login(client, f"guess{i}", "wrong", address="10.0.2.1")
    assert _login(client, "victim", PASSWORD, address="10.0.2.1").status_code == 429
    # another address is not affected
    response = _login(client, "victim", PASSWORD, address="10.0.2.2")
    assert response.status_code == 302


def test_a_few_typos_then_the_right_password_logs_in(client):
    UserFactory(username="mei")
    for _ in range(3):
        assert _login(client, "mei", "typo").status_code == 200
    response = _login(client, "mei", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_the_locked_page_is_translated(client):
    for _ in range(5):
        client.post("/zh-hans/accounts/login/", {"username": "x", "password": "y"},
                    REMOTE_ADDR="10.0.3.1")
    response = client.post("/zh-hans/accounts/login/", {"username": "x", "password": "y"},
                           REMOTE_ADDR="10.0.3.1")
    assert response.status_code == 429
    assert "登录已锁定" in response.text


def test_a_forged_forwarded_header_does_not_change_the_address(client):
    UserFactory(username="victim")
    for i in range(5):
        client.post("/en/accounts/login/", {"username": f"g{i}", "password": "x"},
                    REMOTE_ADDR="10.0.4.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    response = client.post("/en/accounts/login/", {"username": "victim", "password": PASSWORD},
                           REMOTE_ADDR="10.0.4.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429


# --- sign-up and password reset ---------------------------------------------------------


def _sign_up(client, n: int):
    return client.post("/en/accounts/signup/", {
        "username": f"new{n}", "email": f"new{n}@example.org", "display_name": f"New {n}",
        "password1": "a long enough pass phrase 42", "password2": "a long enough pass phrase 42",
    }, REMOTE_ADDR="10.0.5.1")


def test_sign_ups_from_one_address_are_limited(client):
    statuses = []
    for n in range(7):
        client.logout()
        statuses.append(_sign_up(client, n).status_code)
    assert statuses[:5] == [302] * 5
    assert statuses[5] == statuses[6] == 429
    response = _sign_up(client, 99)
    assert int(response["Retry-After"]) > 0
    assert "Too many requests" in response.text
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username__in=["new5", "new6"]).exists()


def test_password_resets_are_limited(client, mailoutbox):
    UserFactory(username="mei", email="mei@example.org")
    statuses = [client.post("/en/accounts/password_reset/", {"email": "mei@example.org"},
                            REMOTE_ADDR="10.0.6.1").status_code for _ in range(7)]
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429, 429]
    assert len(mailoutbox) == 5


# --- the API ------------------------------------------------------------------------------


def test_three_hundred_fast_anonymous_api_requests_are_not_all_answered():
    api = APIClient()
    statuses = [api.get("/api/v1/events/", REMOTE_ADDR="10.0.7.1").status_code
                for _ in range(300)]
    assert statuses.count(200) == 120
    assert statuses[-1] == 429
    response = api.get("/api/v1/events/", REMOTE_ADDR="10.0.7.1")
    assert "throttled" in response.json()["detail"].lower()
    assert int(response["Retry-After"]) > 0
    # another address is served
    assert api.get("/api/v1/events/", REMOTE_ADDR="10.0.7.2").status_code == 200


def test_api_tokens_have_their_own_limit(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "10/minute"}}
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        one, two = UserFactory(), UserFactory()
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=one).key}")
        statuses = [api.get("/api/v1/events/", REMOTE_ADDR=f"10.1.0.{i}").status_code
                    for i in range(12)]
        assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
        other = APIClient()
        other.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=two).key}")
        assert other.get("/api/v1/events/").status_code == 200
    finally:
        settings.REST_FRAMEWORK = settings.REST_FRAMEWORK  # restored by the fixture
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


# --- the cache fails open -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A real Redis server of this test's own, which the test may stop."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("this test needs redis-server (apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield proc, port
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_pages_keep_working_when_the_cache_redis_dies(client, settings, own_redis):
    from django.core.cache import cache

    from hub.cache import FailOpenRedisCache
    from tests.events.factories import EventFactory, PostFactory

    proc, port = own_redis
    settings.CACHES = {"default": {
        "BACKEND": "hub.cache.FailOpenRedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    FailOpenRedisCache._down_until = 0.0
    event = EventFactory(status="published", description="**bold** text")
    post = PostFactory(event=event, body="Some *Markdown*.")
    urls = [event.get_absolute_url(), post.get_absolute_url(), "/en/events/posts/",
            "/en/events/feed/atom/", "/en/events/posts/feed/atom/", "/en/"]
    for url in urls:
        assert client.get(url).status_code == 200, url
    cache.set("alive", 1)
    assert cache.get("alive") == 1  # Redis was really in use

    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert cache.get("alive") is None
    FailOpenRedisCache._down_until = 0.0


def test_the_plain_redis_cache_would_fail(settings, own_redis):
    """The regression the fail-open backend prevents: Django's own raises."""
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    proc, port = own_redis
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    with pytest.raises(RedisConnectionError):
        cache.get("anything")


# --- production refuses demo accounts and a missing SITE_URL ------------------------------


def test_deploy_check_fails_while_a_demo_account_has_the_published_password(settings):
    from django.contrib.auth import get_user_model

    UserFactory(username="researcher", password=DEMO_PASSWORD)
    errors = [e for e in run_checks(include_deployment_checks=True) if e.id == "hub.E001"]
    assert errors and "researcher" in errors[0].msg
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="researcher"):
        checks.refuse_insecure_start()
    user = get_user_model().objects.get(username="researcher")
    user.set_password("a new and private pass phrase")
    user.save()
    assert not [e for e in run_checks(include_deployment_checks=True) if e.id == "hub.E001"]
    checks.refuse_insecure_start()


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items()
                if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "SITE_URL"}}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def test_production_requires_an_https_site_url():
    base = {"DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "hub.example.org"}
    missing = _manage("check", **base)
    assert missing.returncode != 0 and "SITE_URL" in missing.stderr
    plain = _manage("check", **base, SITE_URL="http://hub.example.org")
    assert plain.returncode != 0 and "SITE_URL" in plain.stderr
    good = _manage("check", **base, SITE_URL="https://hub.example.org")
    assert good.returncode == 0, good.stderr


# --- nothing serves MEDIA_ROOT by URL -------------------------------------------------------


@pytest.mark.parametrize("debug", [True, False])
def test_no_url_serves_media_root(client, settings, debug):
    target = Path(settings.MEDIA_ROOT) / "dois" / "originals" / "2026" / "11" / "abc.jpg"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\xff\xd8\xff secret")
    (Path(settings.MEDIA_ROOT) / "evil.html").write_text("<script>alert(1)</script>")
    settings.DEBUG = debug
    for url in ["/media/dois/originals/2026/11/abc.jpg", "/media/evil.html"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"secret" not in response.content and b"<script>" not in response.content


def test_the_csp_allows_no_remote_images_by_default(client):
    csp = client.get("/en/")["Content-Security-Policy"]
    img = next(d for d in csp.split(";") if d.strip().startswith("img-src"))
    assert "https:" not in img and "http:" not in img
    assert "'self'" in img
