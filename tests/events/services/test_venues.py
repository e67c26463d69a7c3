"""Issue #15, defect 1: editing a venue never rewrites history.

The approach: an edit of a venue that past events used is saved as a new venue; the
past events keep the old row (and address); the events not yet over move to the new
one. A merge works the same way; only organisers change venues."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events import services
from events.models import Venue
from tests.events.factories import VenueFactory

pytestmark = pytest.mark.django_db


def test_editing_a_venue_that_a_past_event_used_keeps_the_past_address(
        organiser, loft, past_at_loft, upcoming_at_loft):
    impact = services.venue_edit_impact(venue=loft)
    assert (impact.upcoming, impact.past, impact.creates_version) == (1, 1, True)
    new, done = services.venue_update(actor=organiser, venue=loft,
                                      name="Industrial loft",
                                      address="88 Qinglü Road")
    assert new.pk != loft.pk and done == impact
    past_at_loft.refresh_from_db()
    upcoming_at_loft.refresh_from_db()
    assert past_at_loft.venue.address == "5 Nanteng Street"  # history kept
    assert upcoming_at_loft.venue == new and new.address == "88 Qinglü Road"
    loft.refresh_from_db()
    assert loft.replaced_by == new and not loft.is_current
    assert list(Venue.objects.current()) == [new]
    assert services.venue_current(venue=loft) == new


def test_a_venue_no_past_event_used_is_edited_in_place(organiser, loft, upcoming_at_loft):
    same, impact = services.venue_update(actor=organiser, venue=loft,
                                         name="Loft", address="New address")
    assert same.pk == loft.pk and not impact.creates_version and impact.upcoming == 1
    upcoming_at_loft.refresh_from_db()
    assert upcoming_at_loft.venue.address == "New address"


def test_an_old_version_cannot_be_edited_or_picked_for_a_new_event(organiser, loft, past_at_loft):
    new, _ = services.venue_update(actor=organiser, venue=loft, name="Loft",
                                   address="Elsewhere")
    loft.refresh_from_db()
    with pytest.raises(ValidationError):
        services.venue_update(actor=organiser, venue=loft, name="x")
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError) as info:
        services.event_create(actor=organiser, title="t", starts_at=start,
                              ends_at=start + timedelta(hours=1), venue=loft)
    assert "venue" in info.value.message_dict
    # a past event keeps its old version through unrelated edits
    services.event_update(actor=organiser, event=past_at_loft, title="2019 meetup (edited)")
    past_at_loft.refresh_from_db()
    assert past_at_loft.venue == loft


def test_copying_an_event_takes_the_current_venue(organiser, loft, past_at_loft):
    new, _ = services.venue_update(actor=organiser, venue=loft, name="Loft",
                                   address="Elsewhere")
    copy = services.event_copy(actor=organiser, event=past_at_loft,
                               starts_at=timezone.now() + timedelta(days=10))
    assert copy.venue == new


def test_merge_moves_upcoming_events_and_keeps_past_addresses(organiser, loft, past_at_loft,
                                                              upcoming_at_loft):
    keep = VenueFactory(name="Industrial loft (Jijian)", address="5 Nanteng St.")
    impact = services.venue_merge(actor=organiser, keep=keep, duplicate=loft)
    assert (impact.upcoming, impact.past) == (1, 1)
    upcoming_at_loft.refresh_from_db()
    past_at_loft.refresh_from_db()
    assert upcoming_at_loft.venue == keep
    assert past_at_loft.venue == loft and past_at_loft.venue.address == "5 Nanteng Street"
    loft.refresh_from_db()
    assert loft.replaced_by == keep
    unused = VenueFactory(name="Typo")
    services.venue_merge(actor=organiser, keep=keep, duplicate=unused)
    assert not Venue.objects.filter(pk=unused.pk).exists()
    with pytest.raises(ValidationError):
        services.venue_merge(actor=organiser, keep=keep, duplicate=keep)


def test_only_organisers_change_venues(member, loft):
    with pytest.raises(PermissionDenied):
        services.venue_update(actor=member, venue=loft, name="x")
    with pytest.raises(PermissionDenied):
        services.venue_create(actor=member, name="x")
