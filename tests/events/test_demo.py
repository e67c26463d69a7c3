import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from events import selectors
from events.demo import FIRST_SLUG, MODEL_NIGHT_SLUG, load_demo
from events.models import Event, Talk
from tests.events.factories import OrganiserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    return {
        "organiser": OrganiserFactory(username="organiser"),
        "researcher": UserFactory(username="researcher", roles=["researcher", "volunteer"]),
        "volunteer": UserFactory(username="volunteer", roles=["volunteer"]),
        "admin": UserFactory(username="admin", is_superuser=True, is_staff=True),
    }


def test_demo_is_idempotent_and_holds_the_first_meetup(demo_users):
    first = load_demo(users=demo_users, stdout=io.StringIO())
    again = load_demo(users=demo_users, stdout=io.StringIO())
    assert first.pk == again.pk and first.slug == FIRST_SLUG
    sh = ZoneInfo("Asia/Shanghai")
    assert first.starts_at == datetime(2019, 9, 7, 13, 42, tzinfo=sh)
    assert first.ends_at == datetime(2019, 9, 7, 16, 42, tzinfo=sh)
    assert "南腾街5号" in first.venue.address
    counts = selectors.attendance_counts(event=first)
    assert (counts.onsite, counts.online) == (22, 3)
    assert first.talks.filter(talk_speakers__remote=True).exists()
    assert first.recordings.filter(access_code="y9ey").exists()
    assert first.recordings.filter(provider="youtube").exists()
    assert first.recordings.filter(provider="bilibili").exists()
    assert first.materials.filter(kind="notebook").count() == 2
    assert first.photos.count() >= 5
    assert set(first.posts.values_list("language", flat=True)) == {"en", "zh-hans"}
    assert selectors.event_list_upcoming().count() == 3  # two meetups, a model night
    assert len(selectors.recording_list_latest(limit=10)) == 4


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["Zhuhai: first meetup", "Recordings", "Access code",
            "22 people came on site and 3 joined online.", "Remote talk over Zoom"]),
    ("zh-hans", ["首次聚会", "录像", "提取码", "现场 22 人，线上 3 人。", "远程连线分享"]),
])
def test_demo_visible_in_both_languages(client, demo_users, lang, expected):
    first = load_demo(users=demo_users, stdout=io.StringIO())
    with translation.override(lang):
        url = first.get_absolute_url()
    assert url.startswith(f"/{lang}/")
    page = client.get(url).content.decode()
    for text in expected:
        assert text in page
    other = "远程连线分享" if lang == "en" else "Remote talk over Zoom"
    assert other not in page  # the reader's language only
    home = client.get(f"/{lang}/").content.decode()
    assert ("DoIs hack sprint" if lang == "en" else "DoIs 开发冲刺") in home


def test_demo_posts_in_both_languages(client, demo_users):
    """The two summaries are translations of each other: each list shows its own."""
    load_demo(users=demo_users, stdout=io.StringIO())
    zh = client.get("/zh-hans/events/posts/").content.decode()
    en = client.get("/en/events/posts/").content.decode()
    assert "首次 TensorFlow All-Around 小结" in zh and "Our first" not in zh
    assert "Our first TensorFlow All-Around: a summary" in en and "首次" not in en
    page = client.get(reverse("events:post", kwargs={
        "slug": "2019-09-09-first-meetup-summary-en"})).content.decode()
    assert 'hreflang="zh-hans"' in page


def test_demo_photos_are_links_unless_the_operator_allows_their_host(client, demo_users,
                                                                       settings):
    first = load_demo(users=demo_users, stdout=io.StringIO())
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["img-src"] = ["'self'", "data:"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    page = client.get(first.get_absolute_url()).content.decode()
    assert '<img src="https://ipic.zoomquiet.top' not in page
    assert page.count('class="photo-link"') == first.photos.count()
    post = client.get(reverse("events:post", kwargs={
        "slug": "2019-09-09-first-meetup-summary-en"})).content.decode()
    assert "<img" not in post.split('<div class="markdown">', 1)[1]
    assert 'href="https://ipic.zoomquiet.top/2019-09-09-full-season.jpg"' in post
    directives["img-src"] = ["'self'", "data:", "https://ipic.zoomquiet.top"]
    page = client.get(first.get_absolute_url()).content.decode()
    assert page.count('<img src="https://ipic.zoomquiet.top') == first.photos.count()


def test_the_demo_notebook_shows_its_real_plot(client, demo_users):
    first = load_demo(users=demo_users, stdout=io.StringIO())
    notebook = first.materials.exclude(file="").get(kind="notebook")
    page = client.get(notebook.get_absolute_url()).text
    assert page.count('<img src="data:image/png;base64,') == 1  # the accuracy plot
    assert 'class="k"' in page or 'class="kn"' in page  # highlighted code
    assert "No description has been provided for this image" not in page


def _rows() -> list:
    return [list(Event.objects.order_by("slug").values_list(
                "slug", "status", "model_night", "challenge_opens_at", "challenge_closes_at",
                "starts_at")),
            list(Talk.objects.order_by("pk").values_list("pk", "title",
                                                         "model_submission"))]


def test_the_demo_holds_one_model_night_open_now_and_loads_it_once(demo_users):
    load_demo(users=demo_users, stdout=io.StringIO())
    before = _rows()
    out = io.StringIO()
    load_demo(users=demo_users, stdout=out)
    assert _rows() == before and "model night" not in out.getvalue()
    nights = Event.objects.filter(model_night=True)
    assert [e.slug for e in nights] == [MODEL_NIGHT_SLUG]
    night = nights.get()
    opens, closes = night.challenge_window
    now = timezone.now()
    # open from the day the demo was loaded until the night ends, three weeks ahead
    assert opens <= now < closes and now - opens < timedelta(days=1)
    assert closes == night.ends_at and night.starts_at - now > timedelta(days=20)
    assert night.is_public and closes - opens <= timedelta(days=60)
    assert [t.model_submission for t in night.talks.all()] == [None]


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["DoIs model night", "The model challenge is open",
            "No model has been submitted to this challenge yet."]),
    ("zh-hans", ["DoIs 模型之夜", "模型之夜", "挑战最佳模型"]),
])
def test_the_demo_model_night_shows_its_open_board(client, demo_users, board, lang,
                                                   expected):
    """A leaderboard submission made after the demo loaded (the DoIs demo's, a
    visitor's) is on the night's board."""
    load_demo(users=demo_users, stdout=io.StringIO())
    night = Event.objects.get(slug=MODEL_NIGHT_SLUG)
    page = client.get(f"/{lang}/events/{night.slug}/").text
    for text in expected:
        assert text in page
    assert 'class="talk-model"' not in page  # the talk presents no model
    board.add(name="demo-fin-net", map5=0.5)
    page = client.get(f"/{lang}/events/{night.slug}/").text
    assert "demo-fin-net" in page and 'class="challenge-row"' in page
