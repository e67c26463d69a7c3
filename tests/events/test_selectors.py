"""Selectors: head counts with guests, the latest recordings without drafts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events import selectors, services
from events.models import RSVP, Event
from tests.events.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def test_past_events_keep_their_counts_with_guests(organiser):
    start = timezone.now() - timedelta(days=2)
    event = EventFactory(organisers=[organiser], starts_at=start,
                         ends_at=start + timedelta(hours=2))
    rsvp = RSVPFactory(event=event, guests=2)
    services.attendance_check_in(actor=organiser, event=event, rsvp=rsvp)
    assert selectors.attendance_counts(event=event).onsite == 3
    assert RSVP.objects.get().checked_in_at


def test_recording_list_latest_hides_drafts(organiser):
    draft = EventFactory(status=Event.Status.DRAFT, organisers=[organiser])
    services.recording_add(actor=organiser, event=draft, title="x", url="https://example.org")
    assert list(selectors.recording_list_latest(limit=5)) == []


# --- model nights ---------------------------------------------------------------------


def test_the_challenge_says_when_it_opens_and_asks_the_board_only_once_open(board):
    event = EventFactory(model_night=True)
    board.add(name="early", map5=0.5, created=event.starts_at - timedelta(hours=1))
    inside = board.add(name="inside", map5=0.4, created=event.starts_at + timedelta(hours=1))
    board.add(name="late", map5=0.9, created=event.ends_at + timedelta(minutes=1))
    before = selectors.event_challenge(event=event, now=event.starts_at - timedelta(days=1))
    assert before.state == "upcoming" and before.rows == [] and board.board_calls == 0
    assert before.opens_at == event.starts_at and before.submit_url
    during = selectors.event_challenge(event=event, now=event.starts_at + timedelta(hours=2))
    assert during.state == "open" and [r["name"] for r in during.rows] == ["inside"]
    after = selectors.event_challenge(event=event, now=event.ends_at + timedelta(days=30))
    assert after.state == "closed" and after.rows[0]["id"] == inside["id"]


def test_no_challenge_for_a_draft_or_an_ordinary_event(board):
    assert selectors.event_challenge(event=EventFactory()) is None
    draft = EventFactory(model_night=True, status=Event.Status.DRAFT)
    assert selectors.event_challenge(event=draft) is None


def test_without_a_leaderboard_the_challenge_tells_its_window_only(no_board):
    event = EventFactory(model_night=True)
    challenge = selectors.event_challenge(event=event, now=event.starts_at)
    assert challenge.state == "open" and not challenge.available and challenge.rows == []


def test_talks_carry_the_models_anyone_may_see(board):
    shown = board.add(name="fin-net", map5=0.5)
    hidden = board.add(name="broken", status="failed")
    from tests.events.factories import TalkFactory

    talks = [TalkFactory(model_submission=shown["id"]), TalkFactory(model_submission=hidden["id"]),
             TalkFactory()]
    linked = selectors.talks_with_submissions(talks)
    assert linked[0].linked_submission["name"] == "fin-net"
    assert linked[1].linked_submission is None and linked[2].linked_submission is None
