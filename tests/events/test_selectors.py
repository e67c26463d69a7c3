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
