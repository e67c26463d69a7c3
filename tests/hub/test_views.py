import json
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from hub import services
from hub.models import Project
from tests.hub.factories import PASSWORD, ProjectFactory, UserFactory
from tests.support import broker_dead

pytestmark = pytest.mark.django_db


def test_home_works_in_both_languages(client):
    ProjectFactory(name="DoIs")
    en = client.get("/en/")
    zh = client.get("/zh-hans/")
    assert en.status_code == zh.status_code == 200
    assert "Upcoming events" in en.text
    assert "即将举行的活动" in zh.text
    assert 'lang="zh-hans"' in zh.text
    assert "DoIs" in en.text and "DoIs" in zh.text


def test_every_page_has_a_language_switch(client):
    for url in ["/en/", "/en/projects/", "/en/accounts/login/", "/en/events/"]:
        body = client.get(url).text
        assert 'hreflang="zh-hans"' in body and 'hreflang="en"' not in body, url


def test_language_switch_links_to_the_same_page_in_the_other_language(client):
    body = client.get("/en/projects/?page=2").text
    assert 'href="/zh-hans/projects/?page=2" hreflang="zh-hans"' in body
    body = client.get("/zh-hans/events/").text
    assert 'href="/en/events/" hreflang="en"' in body
    assert '<span aria-current="page" lang="zh-hans">' in body


def test_the_language_switch_sets_no_cookie(client):
    response = client.get("/en/projects/")
    assert "csrftoken" not in response.cookies


def test_draft_projects_are_hidden(client):
    ProjectFactory(slug="secret", status=Project.Status.DRAFT)
    assert client.get("/en/projects/secret/").status_code == 404


def test_project_summary_is_markdown_without_script(client):
    ProjectFactory(slug="md", summary="**Fins** <script>alert(1)</script>")
    body = client.get("/en/projects/md/").text
    assert "<strong>Fins</strong>" in body
    assert "<script>alert" not in body


def test_project_page_shows_its_log(client):
    project = ProjectFactory(slug="dois", name="DoIs")
    services.project_update_add(project=project, date=timezone.now().date(), title="Model v2")
    body = client.get("/en/projects/dois/").text
    assert "Model v2" in body


def test_sign_up_logs_in_as_volunteer(client):
    response = client.post(reverse("hub:signup"), {
        "username": "lin", "email": "lin@example.org", "display_name": "Lin",
        "password1": "sea-dolphin-fin-42", "password2": "sea-dolphin-fin-42"})
    assert response.status_code == 302
    profile = client.get(reverse("hub:profile"))
    assert profile.status_code == 200
    assert "Volunteer" in profile.text


def test_sign_up_rejects_mismatched_passwords(client):
    response = client.post(reverse("hub:signup"), {
        "username": "lin", "email": "lin@example.org",
        "password1": "sea-dolphin-fin-42", "password2": "other-password-43"})
    assert response.status_code == 200
    assert "The two passwords differ." in response.text


def test_profile_needs_login(client):
    response = client.get(reverse("hub:profile"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_profile_update(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("hub:profile"), {
        "display_name": "Ah Fin", "email": "fin@example.org", "bio": "I like boats",
        "preferred_language": "zh-hans"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language) == ("Ah Fin", "zh-hans")


def test_the_profile_switches_the_public_member_page_on_and_off(client):
    user = UserFactory(username="finley", display_name="Finley")
    client.force_login(user)
    fields = {"display_name": "Finley", "email": user.email, "bio": "",
              "preferred_language": "en"}
    client.post(reverse("hub:profile"), {**fields, "profile_public": "on"})
    user.refresh_from_db()
    assert user.profile_public is True
    client.logout()
    assert client.get("/en/members/finley/").status_code == 200
    client.force_login(user)
    client.post(reverse("hub:profile"), fields)
    client.logout()
    assert client.get("/en/members/finley/").status_code == 404


def test_log_in_and_out(client):
    user = UserFactory(username="kai")
    response = client.post(reverse("login"), {"username": "kai", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("hub:profile")).context["user"] == user
    assert client.get(reverse("logout")).status_code == 405  # logging out is POST only
    client.post(reverse("logout"))
    assert client.get(reverse("hub:profile")).status_code == 302


def test_password_reset_sends_a_mail(client):
    UserFactory(email="reset@example.org")
    response = client.post(reverse("password_reset"), {"email": "reset@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_forms_need_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("hub:signup"), {"username": "x"})
    assert response.status_code == 403


def test_csp_allows_only_the_listed_player_frames(client):
    header = client.get("/en/")["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com https://www.youtube.com " \
        "https://player.bilibili.com" in header
    assert "script-src 'self'" in header


@pytest.mark.parametrize(("method", "setting"), [("edge", "DOIS_SEGMENTER_PATH"),
                                                 ("appearance", "DOIS_MODEL_PATH")])
def test_healthz_names_failing_parts(client, settings, tmp_path, method, setting):
    settings.DOIS_METHOD = method  # no version yet: the served method's shipped file
    setattr(settings, setting, str(tmp_path / "missing.keras"))
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert "workers" in body["failing"] and "model" in body["failing"]
    assert body["checks"]["database"]["ok"] is True
    assert "missing.keras" in body["checks"]["model"]["detail"]


def test_healthz_is_200_when_all_is_well(client, settings, tmp_path):
    model = Path(tmp_path / "m.keras")
    model.write_bytes(b"PK\x03\x04 model")
    settings.HEALTH_CHECKS = [c for c in settings.HEALTH_CHECKS if not c.endswith("check_model")]
    settings.HEALTH_CHECKS.append("tests.hub.test_views.fake_model_ok")
    services.worker_heartbeat_record(hostname="w@h", queues=["default", "identify"], pid=1)
    services.worker_heartbeat_record(hostname="gpu@h", queues=["train"], pid=2)
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["status"] == "ok"
    hosts = {h["name"]: h for h in body["checks"]["workers"]["detail"]["hosts"]}
    assert hosts["gpu@h"]["queues"] == ["train"] and hosts["gpu@h"]["alive"] is True
    assert 0 <= hosts["w@h"]["heartbeat_age_s"] < 5


def test_healthz_names_each_worker_host_and_notices_a_dead_one(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from hub.models import WorkerHeartbeat

    settings.CELERY_HEARTBEAT_STALE_S = 30
    services.worker_heartbeat_record(hostname="cpu1@a", queues=["default", "identify"], pid=1)
    services.worker_heartbeat_record(hostname="gpu1@b", queues=["train"], pid=2)
    WorkerHeartbeat.objects.filter(hostname="gpu1@b").update(
        last_seen=timezone.now() - timedelta(seconds=45))
    body = json.loads(client.get("/healthz").content)
    workers = body["checks"]["workers"]
    assert "workers" in body["failing"]
    assert "train" in workers["detail"]["error"]
    hosts = {h["name"]: h for h in workers["detail"]["hosts"]}
    assert hosts["gpu1@b"]["alive"] is False and hosts["gpu1@b"]["heartbeat_age_s"] >= 45
    assert hosts["cpu1@a"]["alive"] is True
    settings.CELERY_HEARTBEAT_STALE_S = 60  # configurable: now it still counts
    body = json.loads(client.get("/healthz").content)
    assert body["checks"]["workers"]["ok"] is True


def test_healthz_shows_no_server_paths(client, settings, tmp_path):
    settings.DOIS_SEGMENTER_PATH = str(tmp_path / "deep" / "missing.keras")
    text = client.get("/healthz").content.decode()
    assert str(tmp_path) not in text and str(settings.VAR_DIR) not in text
    assert "missing.keras" in text


def fake_model_ok():
    return True, "test model"


def test_dead_broker_makes_healthz_say_so_and_pages_keep_working(client, monkeypatch):
    with broker_dead(monkeypatch):
        response = client.get("/healthz")
        assert response.status_code == 503
        body = json.loads(response.content)
        assert "broker" in body["failing"]
        assert "unreachable" in body["checks"]["broker"]["detail"]
        assert client.get("/en/").status_code == 200


def test_robots_txt_keeps_crawlers_out_of_admin_accounts_and_api(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in response.text and "Disallow: /api/" in response.text


def test_error_pages_come_from_the_sites_shell_in_both_languages(client, settings):
    settings.DEBUG = False
    en = client.get("/en/no-such-page/")
    zh = client.get("/zh-hans/no-such-page/")
    assert en.status_code == zh.status_code == 404
    assert "Page not found" in en.text and "找不到页面" in zh.text
    assert 'class="site-header"' in en.text  # the shell's base.html, top-level templates/


def test_the_server_error_page_needs_no_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and "<script" not in html


def test_the_server_error_page_names_its_language():
    from django.template.loader import render_to_string
    from django.utils.translation import override

    with override("zh-hans"):
        html = render_to_string("500.html")
    assert '<html lang="zh-hans">' in html and "出错" in html


def test_a_project_page_names_the_event_it_was_born_at_in_the_readers_language(client):
    from tests.events.factories import EventFactory

    event = EventFactory(title="First meetup", title_zh="首次聚会")
    ProjectFactory(slug="fins", born_at=event)
    assert "首次聚会" in client.get("/zh-hans/projects/fins/").text
    assert "First meetup" in client.get("/en/projects/fins/").text


def test_sign_up_fields_say_what_they_hold_and_the_page_links_to_log_in(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/zh-hans/accounts/signup/").content, "html.parser")
    purpose = {f["name"]: f.get("autocomplete") for f in page.select("main form input")
               if f.get("type") != "hidden"}
    assert purpose == {"username": "username", "email": "email", "display_name": "nickname",
                       "password1": "new-password", "password2": "new-password"}
    login = page.select_one("main a[href^='/zh-hans/accounts/login/']")
    assert login is not None and login.text == "登录"
    assert "已有账户？" in page.select_one("main").text


def test_the_profile_form_has_its_own_heading_after_the_contributions(client):
    from bs4 import BeautifulSoup

    client.force_login(UserFactory(username="mei"))
    page = BeautifulSoup(client.get("/zh-hans/accounts/profile/").content, "html.parser")
    form = page.select_one("main form[aria-labelledby]")
    heading = page.select_one(f"#{form['aria-labelledby']}")
    assert heading.name == "h2" and heading.text == "你的设置"
    assert form.select_one("input[name=email]")["autocomplete"] == "email"
