"""Venue pages: list, page, create, edit (keeping past events' addresses) and merge; the
event form never edits a venue."""

import pytest
from django.urls import reverse

from events.models import Event, Venue

pytestmark = pytest.mark.django_db


def test_the_event_form_never_edits_the_venue(client, organiser, loft, past_at_loft,
                                              upcoming_at_loft):
    """Regression: typing another address for the same venue name on an event's form
    used to rewrite the venue of every event, the 2019 one included."""
    client.force_login(organiser)
    url = reverse("events:edit", kwargs={"slug": upcoming_at_loft.slug})
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"starts_at": f"{form.initial['starts_at']:%Y-%m-%dT%H:%M}",
                 "ends_at": f"{form.initial['ends_at']:%Y-%m-%dT%H:%M}",
                 "venue": "", "venue_name": "Industrial loft",
                 "venue_address": "Somewhere new"})
    data.pop("series", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    past_at_loft.refresh_from_db()
    upcoming_at_loft.refresh_from_db()
    assert past_at_loft.venue.address == "5 Nanteng Street"
    assert upcoming_at_loft.venue.address == "Somewhere new" and upcoming_at_loft.venue != loft


def test_venue_pages(client, organiser, member, loft, past_at_loft, upcoming_at_loft):
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


def test_venue_create_and_merge_pages(client, organiser, loft, upcoming_at_loft):
    client.force_login(organiser)
    response = client.post(reverse("events:venue_create"),
                           {"name": "Library", "address": "1 Book Road"})
    library = Venue.objects.get(name="Library")
    assert response["Location"] == library.get_absolute_url()
    response = client.post(reverse("events:venue_merge", kwargs={"pk": library.pk}),
                           {"duplicate": loft.pk})
    assert response.status_code == 302
    assert Event.objects.get(pk=upcoming_at_loft.pk).venue == library
