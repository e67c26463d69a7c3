"""No query per row: the events list, an event's page, the posts list and the calendar
make the same number of queries for one item as for three."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import services
from tests.events.factories import (
    EventFactory,
    PhotoFactory,
    PostFactory,
    RecordingFactory,
    RSVPFactory,
    SpeakerFactory,
    TagFactory,
    TalkFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _events(n):
    for i in range(n):
        event = EventFactory(title=f"Meetup {i}")
        event.tags.add(TagFactory(), TagFactory())


def _event_with(n, organiser):
    event = EventFactory(organisers=[organiser], slug="full")
    for _ in range(n):
        TalkFactory(event=event, speakers=[SpeakerFactory(), SpeakerFactory()])
        RecordingFactory(event=event)
        PhotoFactory(event=event)
        PostFactory(event=event)
        RSVPFactory(event=event)
        event.tags.add(TagFactory())
    return event


def _posts(n):
    for _ in range(n):
        post = PostFactory(event=EventFactory())
        post.tags.add(TagFactory(), TagFactory())


@pytest.mark.parametrize("n", [1, 3])
def test_events_list(client, django_assert_max_num_queries, n):
    _events(n)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("events:list")).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_event_page(client, organiser, django_assert_max_num_queries, n):
    event = _event_with(n, organiser)
    client.force_login(organiser)
    with django_assert_max_num_queries(20):
        assert client.get(event.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_posts_list(client, django_assert_max_num_queries, n):
    _posts(n)
    with django_assert_max_num_queries(3):
        assert client.get(reverse("events:post_list")).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_calendar(client, django_assert_max_num_queries, n):
    _events(n)
    with django_assert_max_num_queries(3):
        assert client.get(reverse("events:calendar_ics")).status_code == 200


def test_the_counts_do_not_grow_with_the_rows(client, organiser):
    """The same pages with one and with three items: the same number of queries."""
    _events(1)
    _posts(1)
    small = {"list": _queries(client, reverse("events:list")),
             "posts": _queries(client, reverse("events:post_list")),
             "calendar": _queries(client, reverse("events:calendar_ics")),
             "atom": _queries(client, reverse("events:atom"))}
    _events(2)
    _posts(2)
    large = {"list": _queries(client, reverse("events:list")),
             "posts": _queries(client, reverse("events:post_list")),
             "calendar": _queries(client, reverse("events:calendar_ics")),
             "atom": _queries(client, reverse("events:atom"))}
    assert small == large


def test_the_event_page_does_not_grow_with_its_talks(client, organiser):
    one = _event_with(1, organiser)
    client.force_login(organiser)
    small = _queries(client, one.get_absolute_url())
    for _ in range(2):
        TalkFactory(event=one, speakers=[SpeakerFactory(), SpeakerFactory()])
        RecordingFactory(event=one)
        PhotoFactory(event=one)
        RSVPFactory(event=one)
    services.event_update(actor=organiser, event=one, title="Full")
    assert _queries(client, one.get_absolute_url()) == small


def test_a_model_nights_page_does_not_grow_with_its_linked_talks(client, board):
    """The board and the talks' models come from the provider in one call each."""
    from django.utils import timezone

    now = timezone.now()

    def night(n: int, slug: str):
        event = EventFactory(model_night=True, slug=slug, starts_at=now - timedelta(hours=1),
                             ends_at=now + timedelta(hours=2))
        for i in range(n):
            model = board.add(name=f"{slug}-net-{i}", map5=0.5)
            TalkFactory(event=event, model_submission=model["id"],
                        speakers=[SpeakerFactory()])
        return event

    one, three = night(1, "night-one"), night(3, "night-three")
    assert _queries(client, one.get_absolute_url()) == _queries(client,
                                                                three.get_absolute_url())
    assert "night-three-net-2" in client.get(three.get_absolute_url()).text
