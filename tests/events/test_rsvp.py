"""Issue #15, item 9: RSVPs like Meetup's — guests against capacity, a deadline,
switching between on site and online without losing one's place, and the stream link
only for members going online, until the event ends."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events import selectors, services
from events.models import RSVP
from tests.events.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def _people(*names):
    return [UserFactory(username=n) for n in names]


def test_guests_take_seats(organiser):
    event = EventFactory(organisers=[organiser], capacity=4, max_guests=2)
    a, b, c = _people("a", "b", "c")
    assert services.rsvp_create(actor=a, event=event, guests=2).status == RSVP.Status.GOING
    assert selectors.event_seats(event=event).taken == 3
    # one seat left: a member with a guest waits
    assert services.rsvp_create(actor=b, event=event, guests=1).status == RSVP.Status.WAITLISTED
    assert services.rsvp_create(actor=c, event=event).status == RSVP.Status.GOING
    seats = selectors.event_seats(event=event)
    assert (seats.taken, seats.full, seats.waitlist) == (4, True, 1)


def test_more_guests_than_allowed_or_free_are_refused_and_the_answer_stays(organiser):
    event = EventFactory(organisers=[organiser], capacity=3, max_guests=2)
    a, b = _people("a", "b")
    with pytest.raises(ValidationError):
        services.rsvp_create(actor=a, event=event, guests=3)
    services.rsvp_create(actor=a, event=event, guests=1)
    services.rsvp_create(actor=b, event=event)
    with pytest.raises(ValidationError):
        services.rsvp_create(actor=a, event=event, guests=2)  # only one seat for them
    rsvp = RSVP.objects.get(user=a)
    assert (rsvp.status, rsvp.guests) == (RSVP.Status.GOING, 1)
    none_allowed = EventFactory(organisers=[organiser])
    with pytest.raises(ValidationError):
        services.rsvp_create(actor=a, event=none_allowed, guests=1)


def test_a_freed_seat_goes_to_the_first_party_that_fits(organiser):
    event = EventFactory(organisers=[organiser], capacity=2, max_guests=2)
    a, big, small = _people("a", "big", "small")
    services.rsvp_create(actor=a, event=event, guests=1)
    services.rsvp_create(actor=big, event=event, guests=2)    # waits first
    services.rsvp_create(actor=small, event=event)             # waits second
    services.rsvp_create(actor=a, event=event)                 # a drops their guest
    assert RSVP.objects.get(user=small).status == RSVP.Status.GOING
    assert RSVP.objects.get(user=big).status == RSVP.Status.WAITLISTED


def test_switching_online_and_back_keeps_the_members_place(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    a, b = _people("a", "b")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_create(actor=b, event=event, mode="online")
    # b asks for a seat while the room is full: b stays going online, and waits
    b_rsvp = services.rsvp_create(actor=b, event=event, mode="onsite")
    assert (b_rsvp.status, b_rsvp.mode, b_rsvp.wants_onsite) == (
        RSVP.Status.GOING, RSVP.Mode.ONLINE, True)
    assert selectors.event_seats(event=event).waitlist == 1
    # a switches to online: the seat goes to b, a keeps going online
    a_rsvp = services.rsvp_create(actor=a, event=event, mode="online")
    assert (a_rsvp.status, a_rsvp.mode) == (RSVP.Status.GOING, RSVP.Mode.ONLINE)
    b_rsvp.refresh_from_db()
    assert (b_rsvp.status, b_rsvp.mode, b_rsvp.wants_onsite) == (
        RSVP.Status.GOING, RSVP.Mode.ONSITE, False)


def test_choosing_online_again_stops_waiting_for_a_seat(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    a, b = _people("a", "b")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_create(actor=b, event=event, mode="online")
    services.rsvp_create(actor=b, event=event, mode="onsite")
    rsvp = services.rsvp_create(actor=b, event=event, mode="online")
    assert not rsvp.wants_onsite and selectors.event_seats(event=event).waitlist == 0


def test_changing_guests_on_the_waitlist_keeps_the_place_in_line(organiser):
    event = EventFactory(organisers=[organiser], capacity=1, max_guests=3)
    a, b, c = _people("a", "b", "c")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_create(actor=b, event=event)
    services.rsvp_create(actor=c, event=event)
    before = RSVP.objects.get(user=b).waitlisted_at
    services.rsvp_create(actor=b, event=event, guests=1)
    assert RSVP.objects.get(user=b).waitlisted_at == before


def test_the_deadline_closes_new_answers_but_not_cancelling_or_going_online(organiser):
    event = EventFactory(organisers=[organiser],
                         rsvp_deadline=timezone.now() - timedelta(hours=1))
    early, late = _people("early", "late")
    RSVP.objects.create(event=event, user=early, status=RSVP.Status.GOING)
    with pytest.raises(ValidationError, match="closed"):
        services.rsvp_create(actor=late, event=event)
    assert services.rsvp_create(actor=early, event=event, mode="online").mode == "online"
    with pytest.raises(ValidationError, match="closed"):
        services.rsvp_create(actor=early, event=event, mode="onsite")
    assert services.rsvp_cancel(actor=early, event=event).status == RSVP.Status.CANCELLED


def test_a_deadline_after_the_end_is_refused(organiser):
    event = EventFactory(organisers=[organiser])
    with pytest.raises(ValidationError) as info:
        services.event_update(actor=organiser, event=event,
                              rsvp_deadline=event.ends_at + timedelta(days=1))
    assert "rsvp_deadline" in info.value.message_dict


def test_the_stream_link_is_for_members_going_online_until_the_end(client, organiser):
    event = EventFactory(organisers=[organiser], stream_url="https://live.example/stream")
    onsite, online = _people("onsite", "online")
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
