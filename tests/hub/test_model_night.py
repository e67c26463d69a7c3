"""The model night wired by the hub: events ask dois's board through the extension
point the hub fills at start-up; the event page shows a finished submission at once
(the page cache is bumped), makes no query per row, and works with dois absent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from dois import board_events, services
from dois.models import Photo, Submission
from events import extensions
from hub import apps as hub_apps
from tests.dois.factories import IndividualFactory, PhotoFactory
from tests.events.factories import EventFactory, TalkFactory
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dois_registered():
    """Every test starts with the provider the hub registers, and leaves it so."""
    hub_apps.event_extensions_register()
    yield
    hub_apps.event_extensions_register()


@pytest.fixture
def no_broker(monkeypatch):
    from celery import current_app

    sent = []
    monkeypatch.setattr(current_app, "send_task",
                        lambda name, args=None, queue=None, **kw: sent.append(name))
    return sent


@pytest.fixture
def night():
    now = timezone.now()
    return EventFactory(model_night=True, title="Model night",
                        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2))


def submission(user, name: str, status: str = "done", **metrics) -> Submission:
    return Submission.objects.create(submitted_by=user, name=name, status=status,
                                     metrics=metrics)


def test_the_hub_registers_dois_board_as_the_events_challenge_provider():
    assert extensions.challenge_provider() is board_events


def test_an_app_that_is_absent_registers_nothing(monkeypatch):
    monkeypatch.setattr(hub_apps, "EVENT_EXTENSIONS", {"challenge": "nosuchapp.board_events"})
    hub_apps.event_extensions_register()
    assert extensions.challenge_provider() is None


def test_the_event_page_shows_the_real_board_and_a_talks_model(client, night):
    ada = UserFactory(username="ada", display_name="Ada L.", email="ada@example.org")
    best = submission(ada, "ada-net", map5=0.61, top1=0.5, top5=0.8)
    submission(ada, "waiting-net", status="queued")
    submission(ada, "broken-net", status="failed")
    TalkFactory(event=night, title="How ada-net works", model_submission=best.pk)
    page = client.get(night.get_absolute_url()).text
    assert 'id="challenge-board"' in page and "ada-net" in page and "Ada L." in page
    assert "0.610" in page and "Queued for evaluation" in page
    assert "waiting-net" not in page and "broken-net" not in page
    assert "ada@example.org" not in page
    assert f'href="{best.get_absolute_url()}"' in page  # the row and the talk link it
    zh = client.get(f"/zh-hans/events/{night.slug}/").text
    assert "模型之夜" in zh and "ada-net" in zh


def test_the_event_page_links_each_model_to_its_row_on_the_full_leaderboard(client, night):
    ada = UserFactory(username="ada", display_name="Ada L.")
    older = submission(ada, "older-net", map5=0.9)
    Submission.objects.filter(pk=older.pk).update(
        created_at=night.starts_at - timedelta(days=2))
    best = submission(ada, "ada-net", map5=0.61)
    TalkFactory(event=night, title="How ada-net works", model_submission=best.pk)
    page = client.get(night.get_absolute_url()).text
    anchor = f"/en/dois/leaderboard/#submission-{best.pk}"
    assert page.count(f'href="{anchor}"') == 2  # the challenge's row and the talk
    assert "#2 on the leaderboard" in page  # older-net, outside the window, is first
    board = client.get(anchor.split("#")[0]).text
    row = board.split(f'id="submission-{best.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "ada-net" in row and "0.610" in row
    data = APIClient().get(f"/api/v1/events/{night.slug}/").json()
    assert data["challenge"]["board"][0]["board_row_url"] == f"http://testserver{anchor}"
    assert data["talks"][0]["model_submission"]["board_row_url"] == (
        f"http://testserver{anchor}")


def test_the_demo_model_night_ranks_the_real_submissions_made_after_it_loaded(client):
    """load_demo loads events' demo, then dois's: a submission made then is on the
    demo night's board (dois's demo makes none yet; a visitor's counts the same)."""
    import io

    from events.demo import MODEL_NIGHT_SLUG, load_demo
    from tests.events.factories import OrganiserFactory

    users = {"organiser": OrganiserFactory(username="organiser"),
             "researcher": UserFactory(username="researcher"),
             "volunteer": UserFactory(username="volunteer"),
             "admin": UserFactory(username="admin", is_superuser=True, is_staff=True)}
    load_demo(users=users, stdout=io.StringIO())
    old = submission(users["volunteer"], "before-the-demo", map5=0.9)
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    submission(users["volunteer"], "visitor-net", map5=0.4)
    page = client.get(f"/en/events/{MODEL_NIGHT_SLUG}/").text
    assert "visitor-net" in page and "before-the-demo" not in page
    assert "#2 on the leaderboard" in page and 'class="talk-model"' not in page


def test_a_finished_submission_shows_at_once_on_the_cached_event_page(
        client, settings, tmp_path, night, no_broker, django_capture_on_commit_callbacks):
    from tests.dois.services.test_leaderboard_models import built_models, model_upload

    settings.PAGE_CACHE_SECONDS = 120
    settings.DOIS_MODEL_DIR = tmp_path / "models"
    for _ in range(4):
        ind = IndividualFactory()
        for k in range(3):
            PhotoFactory(individual=ind, state=Photo.State.CONFIRMED,
                         split=Photo.Split.EVAL if k < 2 else Photo.Split.TRAIN)
    member = UserFactory(username="cache-member", display_name="Cai", roles=["volunteer"])
    with django_capture_on_commit_callbacks(execute=True):
        sub = services.submission_create(
            actor=member, name="cached-net", upload=model_upload(built_models()["good"]))
    first = client.get(night.get_absolute_url())
    assert first["X-Page-Cache"] == "miss" and "Queued for evaluation" in first.text
    assert client.get(night.get_absolute_url())["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):  # the worker's transaction
        done = services.submission_evaluate(submission_id=sub.pk)
    assert done.status == "done"
    after = client.get(night.get_absolute_url())
    assert after["X-Page-Cache"] == "miss"
    assert "cached-net" in after.text and "Queued for evaluation" not in after.text


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [1, 3])
def test_the_event_page_makes_no_query_per_submission(client, django_assert_max_num_queries,
                                                      n):
    now = timezone.now()
    user = UserFactory()
    event = EventFactory(model_night=True, starts_at=now - timedelta(hours=1),
                         ends_at=now + timedelta(hours=2))
    for i in range(n):
        sub = submission(UserFactory(), f"net-{i}", map5=0.1 * (i + 1))
        submission(user, f"waiting-{i}", status="running")
        TalkFactory(event=event, model_submission=sub.pk)
    with django_assert_max_num_queries(16):
        response = client.get(event.get_absolute_url())
    assert response.text.count('class="challenge-row"') == n


def test_one_and_three_submissions_cost_the_same_queries(client):
    now = timezone.now()

    def night(slug: str, n: int) -> str:
        event = EventFactory(model_night=True, slug=slug, starts_at=now - timedelta(hours=1),
                             ends_at=now + timedelta(hours=2))
        for i in range(n):
            sub = submission(UserFactory(), f"{slug}-{i}", map5=0.5)
            submission(UserFactory(), f"{slug}-q{i}", status="queued")
            TalkFactory(event=event, model_submission=sub.pk)
        return event.get_absolute_url()

    one = night("one", 1)
    assert _queries(client, one) == _queries(client, night("three", 3))


def test_the_api_carries_the_real_board_and_the_talks_submission(night):
    sub = submission(UserFactory(display_name="Ada L."), "api-net", map5=0.42)
    TalkFactory(event=night, model_submission=sub.pk)
    data = APIClient().get(f"/api/v1/events/{night.slug}/").json()
    assert data["challenge"]["board"][0]["name"] == "api-net"
    assert data["challenge"]["board"][0]["url"] == f"http://testserver{sub.get_absolute_url()}"
    assert data["talks"][0]["model_submission"]["map5"] == 0.42


def test_with_dois_absent_the_event_page_and_api_still_work(client, night):
    sub = submission(UserFactory(), "hidden-net", map5=0.5)
    TalkFactory(event=night, model_submission=sub.pk)
    extensions.challenge_provider_register(provider=None)
    page = client.get(night.get_absolute_url())
    assert page.status_code == 200
    assert "not available on this site" in page.text and "hidden-net" not in page.text
    data = APIClient().get(f"/api/v1/events/{night.slug}/").json()
    assert data["challenge"]["available"] is False and data["challenge"]["board"] == []
    assert data["talks"][0]["model_submission"] is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_board_fits_a_phone_and_a_wide_screen(browser, live_server, lang):
    """At 390 px the page never scrolls sideways (the board scrolls inside its box if it
    must); at 1280 px the board sits in the main column. ``SCREENSHOT_DIR`` keeps
    screenshots of both for a person to look at."""
    import os
    from pathlib import Path

    from selenium.webdriver.common.by import By

    hub_apps.event_extensions_register()
    now = timezone.now()
    event = EventFactory(model_night=True, title="Model night: fins in the dark",
                         title_zh="模型之夜：黑暗中的背鳍", starts_at=now - timedelta(hours=1),
                         ends_at=now + timedelta(hours=2))
    names = ["efficientnet-lite0-arcface-finetuned-on-the-whole-catalogue", "tiny-fin",
             "mobilenetv3-small"]
    subs = [submission(UserFactory(display_name=f"Member with a long name {i}"), name,
                       map5=0.3 + 0.1 * i, top1=0.2 + 0.1 * i, top5=0.6 + 0.1 * i)
            for i, name in enumerate(names)]
    submission(UserFactory(), "pending", status="running")
    TalkFactory(event=event, title="What the winner did", model_submission=subs[0].pk)
    shots = os.environ.get("SCREENSHOT_DIR")
    url = f"{live_server.url}/{lang}/events/{event.slug}/"

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    browser.get(url)
    board = browser.find_element(By.ID, "challenge-board")
    assert len(board.find_elements(By.CSS_SELECTOR, "tr.challenge-row")) == 3
    width = browser.execute_script("return document.documentElement.clientWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert width == 390 and scroll <= width
    wrap = board.find_element(By.XPATH, "..")
    assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0]"
                                  ".clientWidth", wrap)  # the board fits: no inner scroll
    if shots:
        browser.execute_script("document.getElementById('challenge').scrollIntoView()")
        browser.save_screenshot(str(Path(shots) / f"night-{lang}-390.png"))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.set_window_size(1280, 1000)
    browser.get(url)
    section = browser.find_element(By.ID, "challenge")
    main = browser.find_element(By.CSS_SELECTOR, ".event-main")
    left, right = browser.execute_script(
        "const a = arguments[0].getBoundingClientRect(), b = arguments[1]"
        ".getBoundingClientRect(); return [a.right <= b.right + 1, a.left >= b.left - 1];",
        section, main)
    assert left and right
    if shots:
        browser.execute_script("document.getElementById('challenge').scrollIntoView()")
        browser.save_screenshot(str(Path(shots) / f"night-{lang}-1280.png"))
