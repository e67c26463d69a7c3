"""The events API (read-only): lists, details, filters, languages; never a draft."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from events.models import Event
from tests.events.factories import (
    EventFactory,
    MaterialFactory,
    PhotoFactory,
    PostFactory,
    RecordingFactory,
    RSVPFactory,
    SeriesFactory,
    SpeakerFactory,
    TagFactory,
    TalkFactory,
    UserFactory,
)
from tests.events.support import assert_no_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_list_is_public_and_never_shows_drafts(api, organiser):
    published = EventFactory()
    cancelled = EventFactory(status=Event.Status.CANCELLED)
    draft = EventFactory(status=Event.Status.DRAFT, organisers=[organiser])
    assert sorted(_slugs(api.get("/api/v1/events/"))) == sorted([published.slug,
                                                                 cancelled.slug])
    assert api.get(f"/api/v1/events/{draft.slug}/").status_code == 404
    # not even for the draft's own organiser: the API is the public view
    api.force_login(organiser)
    assert draft.slug not in _slugs(api.get("/api/v1/events/"))
    assert api.get(f"/api/v1/events/{draft.slug}/").status_code == 404


def test_list_filters_upcoming_past_tag_and_series(api):
    now = timezone.now()
    soon = EventFactory(starts_at=now + timedelta(days=2))
    later = EventFactory(starts_at=now + timedelta(days=30))
    past = EventFactory(starts_at=now - timedelta(days=30))
    keras, series = TagFactory(slug="keras"), SeriesFactory(slug="monthly")
    later.tags.add(keras)
    past.series = series
    past.save()
    assert _slugs(api.get("/api/v1/events/", {"when": "upcoming"})) == [soon.slug, later.slug]
    assert _slugs(api.get("/api/v1/events/", {"when": "past"})) == [past.slug]
    assert _slugs(api.get("/api/v1/events/", {"tag": "keras"})) == [later.slug]
    assert _slugs(api.get("/api/v1/events/", {"series": "monthly"})) == [past.slug]
    assert _slugs(api.get("/api/v1/events/", {"when": "upcoming", "tag": "keras"})) == \
        [later.slug]
    assert api.get("/api/v1/events/", {"when": "someday"}).status_code == 400


def test_detail_has_venue_talks_recordings_materials_and_head_counts(api, event):
    speaker = SpeakerFactory(name="Ada")
    talk = TalkFactory(event=event, speakers=[speaker], remote=True)
    RecordingFactory(event=event, talk=talk, access_code="y9ey",
                     duration=timedelta(minutes=95))
    MaterialFactory(event=event, talk=talk)
    MaterialFactory(event=event, file=None, url="https://example.org/code")
    PhotoFactory(event=event)
    PostFactory(event=event, slug="summary")
    RSVPFactory(event=event, checked_in_at=timezone.now())
    event.walk_ins_onsite, event.walk_ins_online = 21, 3
    event.save()

    data = api.get(f"/api/v1/events/{event.slug}/").json()
    assert data["slug"] == event.slug and data["status"] == "published"
    assert data["venue"]["name"] == event.venue.name
    assert data["talks"][0]["remote"] is True
    assert data["talks"][0]["speakers"][0]["name"] == "Ada"
    assert data["talks"][0]["speakers"][0]["page_url"].startswith("http://testserver/")
    recording = data["recordings"][0]
    assert recording["talk"] == talk.id and recording["access_code"] == "y9ey"
    assert recording["duration_seconds"] == 95 * 60
    assert "youtube" in recording["embed_url"]
    uploaded, link = data["materials"]
    assert uploaded["file_url"].startswith("http://testserver/") and uploaded["url"] == ""
    assert link["url"] == "https://example.org/code" and link["file_url"] == ""
    assert data["photos"][0]["thumbnail_url"].startswith("http://testserver/")
    assert data["posts"][0]["slug"] == "summary"
    assert data["attendance"] == {"onsite": 22, "online": 3, "total": 25,
                                  "onsite_checked_in": 1, "onsite_walk_ins": 21,
                                  "online_checked_in": 0, "online_walk_ins": 3}
    listed = api.get("/api/v1/events/").json()["results"][0]
    assert listed["api_url"] == f"http://testserver/api/v1/events/{event.slug}/"


def test_api_is_read_only(api, organiser, event):
    api.force_login(organiser)
    assert api.post("/api/v1/events/", {"title": "x"}).status_code == 405
    assert api.delete(f"/api/v1/events/{event.slug}/").status_code == 405
    assert api.patch("/api/v1/posts/x/", {}).status_code == 405


def test_posts_list_detail_and_filters(api):
    published_event = EventFactory()
    draft_event = EventFactory(status=Event.Status.DRAFT)
    old = PostFactory(slug="old", language="zh-hans",
                      published_at=timezone.now() - timedelta(days=9), event=published_event)
    new = PostFactory(slug="new", body="# Hello", categories=["Events"])
    new.tags.add(TagFactory(slug="tfug"))
    PostFactory(slug="about-a-draft", event=draft_event)

    assert _slugs(api.get("/api/v1/posts/")) == ["new", "old"]
    assert _slugs(api.get("/api/v1/posts/", {"language": "zh-hans"})) == ["old"]
    assert _slugs(api.get("/api/v1/posts/", {"tag": "tfug"})) == ["new"]
    assert _slugs(api.get("/api/v1/posts/", {"event": published_event.slug})) == ["old"]
    data = api.get("/api/v1/posts/new/").json()
    assert data["body"] == "# Hello" and data["categories"] == ["Events"]
    assert data["tags"] == ["tfug"]
    assert "body" not in api.get("/api/v1/posts/").json()["results"][0]
    assert old.event.slug == api.get("/api/v1/posts/old/").json()["event"]
    assert api.get("/api/v1/posts/about-a-draft/").status_code == 404


def test_list_stays_at_a_few_queries(api, django_assert_max_num_queries):
    for _ in range(5):
        EventFactory().tags.add(TagFactory())
    with django_assert_max_num_queries(6):
        assert len(_slugs(api.get("/api/v1/events/"))) == 5


def test_schema_lists_the_events_api_without_warnings(client, tmp_path):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/events/" in body and "/api/v1/events/{slug}/" in body
    assert "/api/v1/posts/" in body and "/api/v1/photos/" in body  # dois is still there
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_the_api_gives_the_requests_language_and_both_versions(client, bilingual_event):
    url = reverse("events-event-detail", kwargs={"slug": bilingual_event.slug})
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["title"] == "Keras 之夜" and en["title"] == "Keras night"
    assert (zh["title_en"], zh["title_zh"]) == ("Keras night", "Keras 之夜")
    assert zh["description"] == "带上**电脑**。" and en["description_en"] == "Bring a **laptop**."
    assert zh["talks"][0]["title"] == "背鳍" and en["talks"][0]["title"] == "Fins"


@pytest.mark.parametrize("who", ["anonymous", "member", "organiser"])
def test_the_api_never_shows_a_draft(world, organiser, who):
    api = APIClient()
    if who == "member":
        api.force_login(UserFactory(username="plain", roles=["volunteer"]))
    elif who == "organiser":  # the API is the public view, even for the draft's organiser
        api.force_login(organiser)
    for url in ["/api/v1/events/", "/api/v1/posts/", f"/api/v1/events/{world['public'].slug}/",
                "/api/v1/posts/?tag=shared", f"/api/v1/posts/?event={world['draft'].slug}"]:
        response = api.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode())
    assert api.get(f"/api/v1/events/{world['draft'].slug}/").status_code == 404
    assert api.get(f"/api/v1/posts/{world['post'].slug}/").status_code == 404


def test_a_model_night_carries_its_window_board_and_the_talks_models(api, board):
    now = timezone.now()
    event = EventFactory(model_night=True, starts_at=now - timedelta(hours=1),
                         ends_at=now + timedelta(hours=2))
    shown = board.add(name="fin-net", map5=0.6, author="Ada L.")
    board.add(name="queued-net", status="queued")
    TalkFactory(event=event, model_submission=shown["id"])
    TalkFactory(event=event, model_submission=99)  # not visible: null
    data = api.get(f"/api/v1/events/{event.slug}/").json()
    challenge = data["challenge"]
    assert data["model_night"] is True and challenge["state"] == "open"
    assert challenge["board_url"].startswith("http://testserver/")
    assert [(r["name"], r["rank"], r["map5"]) for r in challenge["board"]] == [
        ("fin-net", 1, 0.6)]
    assert challenge["pending"][0]["status"] == "queued"
    assert "name" not in challenge["pending"][0]
    models = [t["model_submission"] for t in data["talks"]]
    assert models[0]["id"] == shown["id"] and models[0]["url"].endswith(
        f"/submissions/{shown['id']}/")
    assert models[1] is None
    plain = EventFactory()
    assert api.get(f"/api/v1/events/{plain.slug}/").json()["challenge"] is None
