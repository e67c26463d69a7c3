import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from events import selectors
from events.demo import FIRST_SLUG, load_demo
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
    assert selectors.event_list_upcoming().count() == 2
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
