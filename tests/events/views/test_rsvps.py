"""RSVP pages: answering by POST only, the waitlist, guests and switching; the stream
link only for members going online, until the event ends."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import RSVP
from tests.events.factories import EventFactory, RSVPFactory, UserFactory
from tests.events.support import login, members

pytestmark = pytest.mark.django_db


def test_the_stream_link_is_for_members_going_online_until_the_end(client, organiser):
    event = EventFactory(organisers=[organiser], stream_url="https://live.example/stream")
    onsite, online = members("onsite", "online")
    services.rsvp_create(actor=onsite, event=event)
    services.rsvp_create(actor=online, event=event, mode="online")
    url = event.get_absolute_url()
    assert "live.example" not in client.get(url).text  # anonymous
    client.force_login(onsite)
    assert "live.example" not in client.get(url).text
    client.force_login(online)
    assert 'id="stream-link"' in client.get(url).text
    client.force_login(organiser)
    assert "live.example" in client.get(url).text
    # never in the public API or calendar
    api = client.get(reverse("events-event-detail", kwargs={"slug": event.slug})).text
    assert "live.example" not in api
    assert b"live.example" not in client.get(reverse("events:ics",
                                                     kwargs={"slug": event.slug})).content
    # hidden once the event is over
    event.starts_at = timezone.now() - timedelta(hours=5)
    event.ends_at = timezone.now() - timedelta(hours=1)
    event.save()
    client.force_login(online)
    assert "live.example" not in client.get(url).text


def test_rsvp_page_with_guests_and_switch(client, organiser):
    event = EventFactory(organisers=[organiser], capacity=5, max_guests=2)
    member = UserFactory(username="mei")
    client.force_login(member)
    page = client.get(event.get_absolute_url()).text
    assert 'name="guests"' in page
    client.post(reverse("events:rsvp", kwargs={"slug": event.slug}),
                {"mode": "onsite", "guests": "2"})
    rsvp = RSVP.objects.get(user=member)
    assert (rsvp.status, rsvp.guests) == (RSVP.Status.GOING, 2)
    page = client.get(event.get_absolute_url()).text
    assert "with 2 guests" in page and "Change my answer" in page
    assert "2 of 5 seats left" in page
    client.post(reverse("events:rsvp", kwargs={"slug": event.slug}), {"mode": "online"})
    rsvp.refresh_from_db()
    assert (rsvp.mode, rsvp.guests) == ("online", 0)


def test_rsvp_only_by_post(client, event, member):
    url = reverse("events:rsvp", kwargs={"slug": event.slug})
    assert client.post(url, {"mode": "onsite"}).status_code == 302  # to log in
    assert not RSVP.objects.exists()
    login(client, member)
    assert client.get(url).status_code == 405
    assert not RSVP.objects.exists()
    client.post(url, {"mode": "onsite"})
    assert RSVP.objects.get().status == RSVP.Status.GOING
    assert client.get(reverse("events:rsvp_cancel", kwargs={"slug": event.slug})) \
        .status_code == 405
    client.post(reverse("events:rsvp_cancel", kwargs={"slug": event.slug}))
    assert RSVP.objects.get().status == RSVP.Status.CANCELLED


def test_full_event_offers_the_waitlist(client, member):
    event = EventFactory(capacity=1)
    RSVPFactory(event=event)
    login(client, member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Join the waitlist" in page
    client.post(reverse("events:rsvp", kwargs={"slug": event.slug}), {"mode": "onsite"})
    assert RSVP.objects.get(user=member).status == RSVP.Status.WAITLISTED
