"""Event services: create, publish, cancel, copy, delete; dates far from the event and
events longer than a week are refused."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events import rules, services
from events.models import Event
from tests.events.factories import EventFactory, RSVPFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("start", [datetime(9999, 1, 1, 14), datetime(1999, 1, 1, 14)])
def test_years_far_off_are_refused(organiser, start):
    start = start.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    with pytest.raises(ValidationError) as info:
        services.event_create(actor=organiser, title="t", starts_at=start,
                              ends_at=start + timedelta(hours=2))
    assert "starts_at" in info.value.message_dict


def test_an_event_of_more_than_a_week_is_refused(organiser):
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError) as info:
        services.event_create(actor=organiser, title="t", starts_at=start,
                              ends_at=start + timedelta(days=400))
    assert "ends_at" in info.value.message_dict


def test_copying_a_cancelled_or_any_event_keeps_guests(organiser):
    event = EventFactory(organisers=[organiser], max_guests=2)
    copy = services.event_copy(actor=organiser, event=event,
                               starts_at=event.starts_at + timedelta(days=28))
    assert copy.max_guests == 2 and copy.status == Event.Status.DRAFT


def test_an_event_members_answered_is_cancelled_not_deleted(event, organiser):
    RSVPFactory(event=event)
    assert not rules.event_can_delete(event=event)
    with pytest.raises(ValidationError):
        services.event_delete(actor=organiser, event=event)


def test_event_create_makes_a_draft_organised_by_the_actor(organiser):
    start = timezone.now() + timedelta(days=3)
    event = services.event_create(actor=organiser, title="Keras night", starts_at=start,
                                  ends_at=start + timedelta(hours=2), tags=["keras", "tfug"])
    assert event.status == Event.Status.DRAFT
    assert list(event.organisers.all()) == [organiser]
    assert sorted(t.slug for t in event.tags.all()) == ["keras", "tfug"]
    assert "keras-night" in event.slug


def test_event_create_refuses_members_and_bad_times(organiser, member):
    start = timezone.now()
    with pytest.raises(PermissionDenied):
        services.event_create(actor=member, title="x", starts_at=start,
                              ends_at=start + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.event_create(actor=organiser, title="x", starts_at=start, ends_at=start)
    with pytest.raises(ValidationError):
        services.event_create(actor=organiser, title="x", starts_at=start,
                              ends_at=start + timedelta(hours=1), timezone_name="Mars/Base")


def test_publish_cancel_and_copy(organiser):
    event = EventFactory(organisers=[organiser], status=Event.Status.DRAFT, capacity=12,
                         stream_url="https://example.org/live")
    event.tags.set(services.tags_get_or_create(names=["tfug"]))
    services.event_publish(actor=organiser, event=event)
    assert event.status == Event.Status.PUBLISHED and event.published_at
    member = UserFactory(username="m1", email="m1@example.org")
    services.rsvp_create(actor=member, event=event)
    mail.outbox.clear()
    copy = services.event_copy(actor=organiser, event=event,
                               starts_at=event.starts_at + timedelta(days=28))
    assert copy.status == Event.Status.DRAFT
    assert copy.venue == event.venue and copy.capacity == 12
    assert copy.ends_at - copy.starts_at == event.ends_at - event.starts_at
    assert [t.slug for t in copy.tags.all()] == ["tfug"]
    assert copy.rsvps.count() == 0 and copy.slug != event.slug
    event, _queued = services.event_cancel(actor=organiser, event=event)
    assert event.status == Event.Status.CANCELLED
    with pytest.raises(ValidationError):
        services.event_publish(actor=organiser, event=event)


def test_event_cancel_emails_everyone_who_answered(organiser, django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser])
    RSVPFactory(event=event, user=UserFactory(username="a", email="a@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=organiser, event=event)
    assert len(mail.outbox) == 1 and "a@example.org" in mail.outbox[0].to


# --- model nights ---------------------------------------------------------------------


def test_a_model_night_window_defaults_to_the_events_times(organiser):
    start = timezone.now() + timedelta(days=3)
    event = services.event_create(actor=organiser, title="Model night", starts_at=start,
                                  ends_at=start + timedelta(hours=3), model_night=True)
    assert event.challenge_window == (event.starts_at, event.ends_at)
    opens = start - timedelta(days=7)
    services.event_update(actor=organiser, event=event, challenge_opens_at=opens)
    event.refresh_from_db()
    assert event.challenge_window == (opens, event.ends_at)


def test_a_window_that_closes_before_it_opens_or_lasts_too_long_is_refused(organiser):
    start = timezone.now() + timedelta(days=3)
    for opens, closes in ((start + timedelta(hours=4), None),
                          (start - timedelta(days=90), start + timedelta(hours=1))):
        with pytest.raises(ValidationError) as info:
            services.event_create(actor=organiser, title="t", starts_at=start,
                                  ends_at=start + timedelta(hours=3), model_night=True,
                                  challenge_opens_at=opens, challenge_closes_at=closes)
        assert "challenge_closes_at" in info.value.message_dict


def test_an_event_without_a_challenge_keeps_no_window(organiser):
    start = timezone.now() + timedelta(days=3)
    event = services.event_create(actor=organiser, title="t", starts_at=start,
                                  ends_at=start + timedelta(hours=3),
                                  challenge_opens_at=start - timedelta(days=1))
    assert event.challenge_opens_at is None and event.challenge_window is None


def test_a_copied_model_night_keeps_its_window_shifted(organiser):
    start = timezone.now() + timedelta(days=3)
    event = services.event_create(actor=organiser, title="Night", starts_at=start,
                                  ends_at=start + timedelta(hours=3), model_night=True,
                                  challenge_opens_at=start - timedelta(days=7))
    copy = services.event_copy(actor=organiser, event=event,
                               starts_at=start + timedelta(days=28))
    assert copy.model_night
    assert copy.challenge_opens_at == start + timedelta(days=21)
    assert copy.challenge_closes_at is None


def test_a_window_far_from_the_event_is_refused_as_a_mistyped_date(organiser):
    """A window may open weeks before the night (members train) or close after it, but
    not lie more than 60 days away: a mistyped year is caught, not a board of 1990."""
    start = timezone.now() + timedelta(days=3)
    end = start + timedelta(hours=3)
    cases = [("challenge_opens_at", start - timedelta(days=61), start - timedelta(days=30)),
             ("challenge_opens_at", start.replace(year=1990), start.replace(year=1990)
              + timedelta(days=10)),
             ("challenge_closes_at", end + timedelta(days=30), end + timedelta(days=61))]
    for field, opens, closes in cases:
        with pytest.raises(ValidationError) as info:
            services.event_create(actor=organiser, title="t", starts_at=start, ends_at=end,
                                  model_night=True, challenge_opens_at=opens,
                                  challenge_closes_at=closes)
        assert list(info.value.message_dict) == [field]
    # a challenge that closes before the night, its results presented there, is fine
    event = services.event_create(actor=organiser, title="t", starts_at=start, ends_at=end,
                                  model_night=True, challenge_opens_at=start - timedelta(
                                      days=59), challenge_closes_at=start - timedelta(days=1))
    assert event.challenge_window == (start - timedelta(days=59), start - timedelta(days=1))
