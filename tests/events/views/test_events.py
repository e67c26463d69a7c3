"""Event pages: lists, the event page, search, times and languages; the organiser's
pages that create, edit, publish, unpublish, cancel, delete and copy an event and name its
organisers."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events import rules, selectors, services
from events.models import Event, Mail, Post
from tests.events.factories import (
    EventFactory,
    MaterialFactory,
    PhotoFactory,
    PostFactory,
    RSVPFactory,
    TalkFactory,
    UserFactory,
)
from tests.events.support import login

pytestmark = pytest.mark.django_db


def test_each_reader_gets_their_language(client, bilingual_event):
    zh = client.get(f"/zh-hans/events/{bilingual_event.slug}/").text
    en = client.get(f"/en/events/{bilingual_event.slug}/").text
    assert "Keras 之夜" in zh and "<strong>电脑</strong>" in zh and "背鳍" in zh
    assert "Keras night" not in zh and "laptop" not in zh
    assert "Keras night" in en and "<strong>laptop</strong>" in en and "Fins" in en
    assert "Keras 之夜" not in en


def test_lists_feeds_and_calendar_follow_the_page(client, bilingual_event):
    assert "Keras 之夜" in client.get("/zh-hans/events/").text
    assert "Keras 之夜" in client.get("/zh-hans/").text
    assert "Keras 之夜" in client.get("/zh-hans/events/feed/atom/").content.decode()
    assert "Keras night" in client.get("/en/events/feed/atom/").content.decode()
    ics = client.get(f"/zh-hans/events/{bilingual_event.slug}/event.ics").content.decode()
    assert "SUMMARY:Keras 之夜" in ics and "带上电脑。" in ics


def test_search_finds_either_language(client, bilingual_event):
    assert "Keras" in client.get("/en/events/search/", {"q": "之夜"}).text
    assert "Fins" in client.get("/en/events/search/", {"q": "背鳍"}).text


def test_the_organiser_form_has_both_versions(client, organiser):
    event = EventFactory(organisers=[organiser], title="Keras night", title_zh="Keras 之夜")
    client.force_login(organiser)
    form = client.get(reverse("events:edit", kwargs={"slug": event.slug})).context["form"]
    assert form.initial["title_zh"] == "Keras 之夜"
    assert "description_zh" in form.fields


def test_a_fallback_title_is_marked_with_its_language(client):
    event = EventFactory(title="Keras night", description="All about **Keras**.")
    TalkFactory(event=event, title="Layers", title_zh="层", abstract="Dense and more.")
    url = event.get_absolute_url()
    page = client.get(url.replace("/en/", "/zh-hans/")).text
    assert '<h1 lang="en">Keras night</h1>' in page
    assert '<section class="markdown" lang="en">' in page
    assert '<h3>层</h3>' in page  # the reader's own version is not marked
    assert '<div class="markdown" lang="en">' in page
    listing = client.get(reverse("events:list").replace("/en/", "/zh-hans/")).text
    assert '<strong lang="en">Keras night</strong>' in listing
    english = client.get(url).text
    assert "<h1>Keras night</h1>" in english and '<section class="markdown">' in english


def test_cards_show_the_zone_only_where_it_differs_from_the_sites(client):
    EventFactory(title="Zhuhai meetup", timezone="Asia/Shanghai")
    EventFactory(title="Berlin meetup", timezone="Europe/Berlin")
    page = client.get(reverse("events:list")).text
    berlin = page.split("Berlin meetup", 1)[1].split("</li>", 1)[0]
    zhuhai = page.split("Zhuhai meetup", 1)[1].split("</li>", 1)[0]
    assert "(Europe/Berlin)" in berlin and "Asia/Shanghai" not in zhuhai
    assert "(Europe/Berlin)" in client.get("/en/").text


def test_the_form_shows_a_far_year_as_a_field_error(client, organiser):
    client.force_login(organiser)
    response = client.post(reverse("events:create"), {
        "title": "t", "timezone": "Asia/Shanghai", "starts_at": "9999-01-01T14:00",
        "ends_at": "9999-01-01T16:00"})
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"]


def test_a_chinese_only_title_gives_a_readable_slug(client, organiser):
    start = datetime(2030, 3, 1, 14, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = services.event_create(actor=organiser, title="首次聚会", starts_at=start,
                                  ends_at=start + timedelta(hours=2))
    assert event.slug == "2030-03-01-首次聚会"
    services.event_publish(actor=organiser, event=event)
    assert client.get(event.get_absolute_url()).status_code == 200
    api = client.get(reverse("events-event-detail", kwargs={"slug": event.slug}))
    assert api.status_code == 200


def test_no_english_left_on_the_chinese_organiser_form(client, organiser):
    client.force_login(organiser)
    page = client.get("/zh-hans/events/new/").text
    assert "- Select an option -" not in page and "- 请选择 -" in page


def test_cancelled_events_are_never_listed_as_upcoming(client):
    EventFactory(title="Going ahead")
    EventFactory(title="Called off", status=Event.Status.CANCELLED)
    assert [e.title for e in selectors.event_list_upcoming()] == ["Going ahead"]
    home = client.get("/en/").text
    assert "Going ahead" in home and "Called off" not in home
    events = client.get(reverse("events:list")).text
    upcoming, rest = events.split('id="cancelled-h"', 1)
    assert "Called off" not in upcoming and "Called off" in rest
    assert "Cancelled" in rest


def test_cancel_asks_first_and_a_second_cancel_sends_nothing(
        client, event, organiser, django_capture_on_commit_callbacks):
    RSVPFactory(event=event, user=UserFactory(username="ana"))
    client.force_login(organiser)
    url = reverse("events:cancel", kwargs={"slug": event.slug})
    page = client.get(url)
    assert page.status_code == 200 and "1 member who answered will get an email" in page.text
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED  # asking changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        client.post(url)
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED and event.cancelled_at
    assert Mail.objects.filter(kind="cancelled").count() == 1
    assert client.get(url).status_code == 302  # nothing to confirm any more


def test_unpublish_only_while_nobody_answered(client, event, organiser):
    client.force_login(organiser)
    url = reverse("events:unpublish", kwargs={"slug": event.slug})
    client.post(url)
    event.refresh_from_db()
    assert event.status == Event.Status.DRAFT
    assert client.get(event.get_absolute_url()).status_code == 200  # organiser's preview
    client.logout()
    assert client.get(event.get_absolute_url()).status_code == 404
    services.event_publish(actor=organiser, event=event)
    RSVPFactory(event=event)
    with pytest.raises(ValidationError):
        services.event_unpublish(actor=organiser, event=event)


def test_delete_takes_the_files_and_summaries_with_it(client, organiser, settings,
                                                      django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser], status=Event.Status.DRAFT)
    material = MaterialFactory(event=event)
    photo = PhotoFactory(event=event)
    PostFactory(event=event, slug="draft-summary")
    paths = [material.file.path, photo.image.path, photo.thumbnail.path]
    client.force_login(organiser)
    url = reverse("events:delete", kwargs={"slug": event.slug})
    assert "This cannot be undone" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response["Location"] == reverse("events:list")
    assert not Event.objects.filter(pk=event.pk).exists()
    # a draft's summary would otherwise have become a public post without an event
    assert not Post.objects.filter(slug="draft-summary").exists()
    import os

    assert not any(os.path.exists(p) for p in paths)


def test_organisers_are_added_by_username_and_one_always_stays(client, event, organiser,
                                                               other_organiser, member):
    client.force_login(organiser)
    add = reverse("events:organiser_add", kwargs={"slug": event.slug})
    client.post(add, {"username": member.username})
    assert not event.organisers.filter(pk=member.pk).exists()  # no organiser role
    client.post(add, {"username": other_organiser.username.upper()})
    assert event.organisers.filter(pk=other_organiser.pk).exists()
    assert rules.event_can_manage(user=other_organiser, event=event)
    client.post(reverse("events:organiser_remove",
                        kwargs={"slug": event.slug, "pk": organiser.pk}))
    assert list(event.organisers.all()) == [other_organiser]
    with pytest.raises(ValidationError):
        services.event_organiser_remove(actor=other_organiser, event=event,
                                        user=other_organiser)


def test_create_page_only_for_organisers(client, member, organiser):
    url = reverse("events:create")
    assert client.get(url).status_code == 302
    login(client, member)
    assert client.get(url).status_code == 403
    login(client, organiser)
    assert client.get(url).status_code == 200


def test_organiser_creates_previews_and_publishes(client, organiser):
    login(client, organiser)
    response = client.post(reverse("events:create"), {
        "title": "Keras night", "description": "Bring a *laptop*", "timezone": "Asia/Shanghai",
        "starts_at": "2030-03-02T14:00", "ends_at": "2030-03-02T17:00", "capacity": "20",
        "venue_name": "Loft", "venue_address": "5 Nanteng St", "venue_latitude": "22.27",
        "venue_longitude": "113.57", "venue_directions": "Bus 3", "tags": "keras tfug",
        "new_series": "Monthly",
    })
    assert response.status_code == 302
    event = Event.objects.get(title="Keras night")
    assert event.status == Event.Status.DRAFT
    assert event.starts_at.isoformat() == "2030-03-02T06:00:00+00:00"
    assert event.venue.map_link.startswith("https://www.openstreetmap.org/")
    assert event.series.name == "Monthly"
    # the draft is a preview for its organisers, hidden from everyone else
    assert client.get(event.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(event.get_absolute_url()).status_code == 404
    login(client, organiser)
    client.post(reverse("events:publish", kwargs={"slug": event.slug}))
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    client.logout()
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Keras night" in page and "<em>laptop</em>" in page


def test_event_page_shows_times_in_the_events_zone(client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime(2031, 1, 5, 13, 42, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = EventFactory(starts_at=start, ends_at=start.replace(hour=16))
    response = client.get(event.get_absolute_url(), headers={"Cookie": "tz=UTC"})
    assert "1:42 p.m." in response.content.decode()


def test_edit_copy_and_check_in(client, event, organiser):
    login(client, organiser)
    data = {"title": "Renamed", "timezone": "Asia/Shanghai", "starts_at": "2030-03-02T14:00",
            "ends_at": "2030-03-02T17:00", "capacity": "5"}
    assert client.post(reverse("events:edit", kwargs={"slug": event.slug}), data)\
        .status_code == 302
    event.refresh_from_db()
    assert event.title == "Renamed" and event.capacity == 5
    client.post(reverse("events:copy", kwargs={"slug": event.slug}),
                {"title": "Next", "starts_at": "2030-04-06T14:00"})
    assert Event.objects.filter(title="Next", status=Event.Status.DRAFT).exists()
    rsvp = RSVPFactory(event=event)
    client.post(reverse("events:check_in", kwargs={"slug": event.slug, "pk": rsvp.pk}),
                {"present": "1"})
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is not None
    client.post(reverse("events:walk_ins", kwargs={"slug": event.slug}),
                {"onsite": "19", "online": "3"})
    event.refresh_from_db()
    assert (event.walk_ins_onsite, event.walk_ins_online) == (19, 3)


def test_public_pages(client, organiser):
    from events import services

    event = EventFactory(organisers=[organiser])
    talk = services.talk_add(actor=organiser, event=event, title="Fins and TensorFlow",
                             speaker_names=["Ada"])
    event.tags.set(services.tags_get_or_create(names=["keras"]))
    post = services.post_write(actor=organiser, event=event, title="Keras summary", body="ok",
                              tags=["keras"])
    speaker = talk.speakers.get()
    for url in [reverse("events:list"), reverse("events:speaker_list"),
                speaker.get_absolute_url(), reverse("events:tag", kwargs={"slug": "keras"}),
                reverse("events:post_list"), post.get_absolute_url(),
                reverse("events:series", kwargs={"slug": "none"})]:
        response = client.get(url)
        assert response.status_code in (200, 404), url
    assert "Fins and TensorFlow" in client.get(speaker.get_absolute_url()).content.decode()
    found = client.get(reverse("events:search"), {"q": "fins"}).content.decode()
    assert "Fins and TensorFlow" in found
    found = client.get(reverse("events:search"), {"q": "Keras"}).content.decode()
    assert "Keras summary" in found and event.title in found


# --- model nights ---------------------------------------------------------------------


def test_an_organiser_makes_an_event_a_model_night_with_a_window(client, event, organiser):
    login(client, organiser)
    form = client.get(reverse("events:edit", kwargs={"slug": event.slug})).text
    assert 'name="model_night"' in form and 'name="challenge_opens_at"' in form
    data = {"title": "Model night", "timezone": "Asia/Shanghai",
            "starts_at": "2030-03-02T19:00", "ends_at": "2030-03-02T22:00",
            "model_night": "on", "challenge_opens_at": "2030-02-23T09:00"}
    assert client.post(reverse("events:edit", kwargs={"slug": event.slug}), data)\
        .status_code == 302
    event.refresh_from_db()
    zone = ZoneInfo("Asia/Shanghai")
    assert event.model_night
    assert event.challenge_window == (datetime(2030, 2, 23, 9, tzinfo=zone),
                                      datetime(2030, 3, 2, 22, tzinfo=zone))
    bad = {**data, "challenge_closes_at": "2030-02-20T09:00"}
    response = client.post(reverse("events:edit", kwargs={"slug": event.slug}), bad)
    assert response.status_code == 200 and "close after it opens" in response.text
    off = {**data, "model_night": ""}
    client.post(reverse("events:edit", kwargs={"slug": event.slug}), off)
    event.refresh_from_db()
    assert not event.model_night and event.challenge_opens_at is None


def _night(**kwargs):
    now = timezone.now()
    return EventFactory(model_night=True, starts_at=now - timedelta(hours=1),
                        ends_at=now + timedelta(hours=2), **kwargs)


def test_a_model_nights_page_shows_its_board_during_the_event(client, board):
    event = _night()
    board.add(name="second-net", map5=0.4, author="Bo")
    board.add(name="first-net", map5=0.7, author="Ada L.")
    board.add(name="secret-net", status="queued")
    board.add(name="broken-net", status="failed")
    board.add(name="old-net", map5=0.99, created=event.starts_at - timedelta(days=1))
    page = client.get(event.get_absolute_url()).text
    assert page.index("first-net") < page.index("second-net")
    assert "Ada L." in page and "0.700" in page and "0.600" in page  # MAP@5, top-1
    assert "Queued for evaluation" in page
    for hidden in ("secret-net", "broken-net", "old-net"):
        assert hidden not in page
    assert 'href="/en/dois/leaderboard/"' in page and "leaderboard/submit/" in page


def test_after_the_event_the_board_stays_and_before_it_says_when_it_opens(client, board):
    past = EventFactory(model_night=True, starts_at=timezone.now() - timedelta(days=10))
    board.add(name="night-net", map5=0.5, created=past.starts_at + timedelta(minutes=30))
    page = client.get(past.get_absolute_url()).text
    assert "night-net" in page and "challenge is closed" in page
    assert "leaderboard/submit/" not in page
    soon = EventFactory(model_night=True, starts_at=timezone.now() + timedelta(days=3))
    board.add(name="too-early", map5=0.5)
    page = client.get(soon.get_absolute_url()).text
    assert "opens on" in page and 'id="challenge-board"' not in page
    assert "too-early" not in page and "leaderboard/submit/" in page


def test_the_board_is_in_chinese_too(client, board):
    event = _night()
    board.add(name="fin-net", map5=0.5)
    page = client.get(f"/zh-hans/events/{event.slug}/").text
    assert "模型之夜" in page and "fin-net" in page and "排名" in page


def test_a_draft_never_shows_the_board_even_to_its_organisers(client, organiser, board):
    draft = _night(status=Event.Status.DRAFT, organisers=[organiser])
    board.add(name="fin-net", map5=0.5)
    login(client, organiser)
    page = client.get(draft.get_absolute_url()).text
    assert "fin-net" not in page and "shows once the event is published" in page


def test_without_a_leaderboard_the_page_shows_the_window_only(client, no_board):
    event = _night()
    page = client.get(event.get_absolute_url())
    assert page.status_code == 200 and "not available on this site" in page.text


def test_a_talk_shows_the_model_it_presents(client, board):
    from tests.events.factories import TalkFactory

    model = board.add(name="fin-net", map5=0.55, author="Ada L.")
    talk = TalkFactory(title="How fin-net works", model_submission=model["id"])
    page = client.get(talk.event.get_absolute_url()).text
    assert "Model presented" in page and "0.550" in page
    assert f'href="/en/dois/leaderboard/submissions/{model["id"]}/"' in page
    model["status"] = "failed"  # hidden by the board: the talk no longer shows it
    assert "fin-net</a>" not in client.get(talk.event.get_absolute_url()).text


def test_the_manage_page_tells_the_model_nights_window(client, organiser):
    event = EventFactory(organisers=[organiser], model_night=True)
    login(client, organiser)
    page = client.get(reverse("events:manage", kwargs={"slug": event.slug})).text
    assert 'id="model-night-window"' in page and "on the event's board" in page
    zh = client.get(f"/zh-hans/events/{event.slug}/manage/").text
    assert "列入本活动的排行榜" in zh


def test_the_board_and_a_talks_model_link_to_their_row_on_the_full_leaderboard(
        client, board):
    from tests.events.factories import TalkFactory

    event = _night()
    model = board.add(name="fin-net", map5=0.55)
    TalkFactory(event=event, title="How fin-net works", model_submission=model["id"])
    page = client.get(event.get_absolute_url()).text
    row = f'href="/en/dois/leaderboard/#submission-{model["id"]}"'
    board_part, talks_part = page.split('id="talks-h"')
    assert row in board_part and "#1 on the leaderboard" in board_part
    assert row in talks_part  # the talk's "leaderboard" link
    own = f'href="/en/dois/leaderboard/submissions/{model["id"]}/"'
    assert own in board_part and own in talks_part  # the submission's page stays linked
    zh = client.get(f"/zh-hans/events/{event.slug}/").text
    assert "排行榜第 1 名" in zh


@pytest.mark.parametrize(("zone", "field", "value"), [
    ("America/Los_Angeles", "challenge_closes_at", "9999-12-31T23:59"),
    ("Asia/Shanghai", "challenge_opens_at", "0001-01-01T00:00"),
    ("America/Los_Angeles", "starts_at", "9999-12-31T20:00"),
])
def test_a_date_at_the_end_of_the_calendar_is_a_form_error_not_a_crash(
        client, event, organiser, zone, field, value):
    login(client, organiser)
    data = {"title": "Model night", "timezone": zone, "starts_at": "2030-03-02T19:00",
            "ends_at": "2030-03-02T22:00", "model_night": "on", field: value}
    response = client.post(reverse("events:edit", kwargs={"slug": event.slug}), data)
    assert response.status_code == 200 and "out of range; check the year" in response.text
    event.refresh_from_db()
    assert not event.model_night
    zh = client.post(f"/zh-hans/events/{event.slug}/edit/", data)
    assert "日期超出范围" in zh.text


def test_a_mistyped_year_in_the_window_is_refused_on_the_form(client, event, organiser):
    login(client, organiser)
    data = {"title": "Model night", "timezone": "Asia/Shanghai",
            "starts_at": "2030-03-02T19:00", "ends_at": "2030-03-02T22:00",
            "model_night": "on", "challenge_opens_at": "2003-02-23T09:00",
            "challenge_closes_at": "2003-03-02T22:00"}
    response = client.post(reverse("events:edit", kwargs={"slug": event.slug}), data)
    assert response.status_code == 200 and "more than 60 days before the event" in (
        response.text)
    event.refresh_from_db()
    assert not event.model_night


def test_many_queued_models_are_counted_not_listed_one_by_one(client, board):
    """Members may queue many models: the public board lists ten and counts the rest."""
    from rest_framework.test import APIClient

    event = _night()
    board.add(name="fin-net", map5=0.5)
    for i in range(12):
        board.add(name=f"queued-{i}", status="queued")
    page = client.get(event.get_absolute_url()).text
    assert page.count('class="challenge-pending"') == 10
    assert "and 2 more models being evaluated" in page and "fin-net" in page
    zh = client.get(f"/zh-hans/events/{event.slug}/").text
    assert "另有 2 个模型正在评测" in zh
    challenge = APIClient().get(f"/api/v1/events/{event.slug}/").json()["challenge"]
    assert len(challenge["pending"]) == 10 and challenge["pending_count"] == 12
    board.models = board.models[:2]  # one queued: no count line
    page = client.get(event.get_absolute_url()).text
    assert page.count('class="challenge-pending"') == 1 and "more model" not in page


def test_tables_that_scroll_sideways_are_regions_a_keyboard_can_reach(client, organiser,
                                                                      board):
    """On a phone the RSVP table and a model night's board scroll sideways: without focus
    a keyboard user could not scroll them, and the region is named by its heading."""
    from bs4 import BeautifulSoup

    event = _night(organisers=[organiser])
    board.add(name="fin-net", map5=0.5)
    login(client, organiser)
    for url, heading in [(event.get_absolute_url(), "challenge-h"),
                         (reverse("events:manage", kwargs={"slug": event.slug}), "att-h")]:
        page = BeautifulSoup(client.get(url).content, "html.parser")
        wraps = page.select(".table-wrap")
        assert wraps, url
        for wrap in wraps:
            assert wrap["tabindex"] == "0" and wrap["role"] == "region"
            assert page.find(id=wrap["aria-labelledby"]) is not None
        assert heading in [w["aria-labelledby"] for w in wraps]
