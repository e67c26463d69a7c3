"""Issue #15, defect 1: editing a venue never rewrites history.

The approach: an edit of a venue that past events used is saved as a new venue; the
past events keep the old row (and address); the events not yet over move to the new
one. Venues have their own pages (list, create, edit, merge)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, Venue
from tests.events.factories import EventFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loft():
    return VenueFactory(name="Industrial loft", address="5 Nanteng Street")


@pytest.fixture
def past(organiser, loft):
    start = timezone.now() - timedelta(days=400)
    return EventFactory(organisers=[organiser], venue=loft, starts_at=start,
                        ends_at=start + timedelta(hours=3), title="2019 meetup")


@pytest.fixture
def upcoming(organiser, loft):
    return EventFactory(organisers=[organiser], venue=loft, title="Next meetup")


def test_editing_a_venue_that_a_past_event_used_keeps_the_past_address(
        organiser, loft, past, upcoming):
    impact = services.venue_edit_impact(venue=loft)
    assert (impact.upcoming, impact.past, impact.creates_version) == (1, 1, True)
    new, done = services.venue_update(actor=organiser, venue=loft,
                                      name="Industrial loft",
                                      address="88 Qinglü Road")
    assert new.pk != loft.pk and done == impact
    past.refresh_from_db()
    upcoming.refresh_from_db()
    assert past.venue.address == "5 Nanteng Street"  # history kept
    assert upcoming.venue == new and new.address == "88 Qinglü Road"
    loft.refresh_from_db()
    assert loft.replaced_by == new and not loft.is_current
    assert list(Venue.objects.current()) == [new]
    assert services.venue_current(venue=loft) == new


def test_a_venue_no_past_event_used_is_edited_in_place(organiser, loft, upcoming):
    same, impact = services.venue_update(actor=organiser, venue=loft,
                                         name="Loft", address="New address")
    assert same.pk == loft.pk and not impact.creates_version and impact.upcoming == 1
    upcoming.refresh_from_db()
    assert upcoming.venue.address == "New address"


def test_an_old_version_cannot_be_edited_or_picked_for_a_new_event(organiser, loft, past):
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
    services.event_update(actor=organiser, event=past, title="2019 meetup (edited)")
    past.refresh_from_db()
    assert past.venue == loft


def test_copying_an_event_takes_the_current_venue(organiser, loft, past):
    new, _ = services.venue_update(actor=organiser, venue=loft, name="Loft",
                                   address="Elsewhere")
    copy = services.event_copy(actor=organiser, event=past,
                               starts_at=timezone.now() + timedelta(days=10))
    assert copy.venue == new


def test_merge_moves_upcoming_events_and_keeps_past_addresses(organiser, loft, past,
                                                              upcoming):
    keep = VenueFactory(name="Industrial loft (Jijian)", address="5 Nanteng St.")
    impact = services.venue_merge(actor=organiser, keep=keep, duplicate=loft)
    assert (impact.upcoming, impact.past) == (1, 1)
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert upcoming.venue == keep
    assert past.venue == loft and past.venue.address == "5 Nanteng Street"
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


def test_the_event_form_never_edits_the_venue(client, organiser, loft, past, upcoming):
    """Regression: typing another address for the same venue name on an event's form
    used to rewrite the venue of every event, the 2019 one included."""
    client.force_login(organiser)
    url = reverse("events:edit", kwargs={"slug": upcoming.slug})
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"starts_at": f"{form.initial['starts_at']:%Y-%m-%dT%H:%M}",
                 "ends_at": f"{form.initial['ends_at']:%Y-%m-%dT%H:%M}",
                 "venue": "", "venue_name": "Industrial loft",
                 "venue_address": "Somewhere new"})
    data.pop("series", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    past.refresh_from_db()
    upcoming.refresh_from_db()
    assert past.venue.address == "5 Nanteng Street"
    assert upcoming.venue.address == "Somewhere new" and upcoming.venue != loft


def test_venue_pages(client, organiser, member, loft, past, upcoming):
    page = client.get(reverse("events:venue_list")).text
    assert "Industrial loft" in page
    detail = client.get(loft.get_absolute_url()).text
    assert "2019 meetup" in detail and "Next meetup" in detail
    assert "venue-edit-link" not in detail
    edit = reverse("events:venue_edit", kwargs={"pk": loft.pk})
    client.force_login(member)
    assert client.get(edit).status_code == 403
    client.force_login(organiser)
    page = client.get(edit).text
    assert "This edit changes 1 upcoming event." in page
    assert "1 past event keeps the address it had" in page
    response = client.post(edit, {"name": "Industrial loft", "address": "88 Qinglü Road"})
    assert response.status_code == 302
    new = Venue.objects.current().get()
    assert response["Location"] == new.get_absolute_url()
    old_page = client.get(loft.get_absolute_url()).text
    assert "as it was for the past events" in old_page and "2019 meetup" in old_page
    assert "Next meetup" not in old_page
    assert "5 Nanteng Street" in client.get(new.get_absolute_url()).text  # earlier address
    # an old version's edit link leads to the current one
    assert client.get(edit)["Location"] == reverse("events:venue_edit", kwargs={"pk": new.pk})


def test_venue_create_and_merge_pages(client, organiser, loft, upcoming):
    client.force_login(organiser)
    response = client.post(reverse("events:venue_create"),
                           {"name": "Library", "address": "1 Book Road"})
    library = Venue.objects.get(name="Library")
    assert response["Location"] == library.get_absolute_url()
    response = client.post(reverse("events:venue_merge", kwargs={"pk": library.pk}),
                           {"duplicate": loft.pk})
    assert response.status_code == 302
    assert Event.objects.get(pk=upcoming.pk).venue == library
