"""RSVP services (issue #15, item 9: RSVPs like Meetup's): guests against capacity, the
waitlist in order, a deadline, switching between on site and online without losing one's
place; two real PostgreSQL transactions race for the last seat and exactly one gets it;
check-in and walk-ins."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from events import selectors, services
from events.models import RSVP, Event
from tests.events.factories import EventFactory, RSVPFactory, UserFactory
from tests.events.support import members

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_two_members_cannot_take_the_last_seat():
    if connection.vendor != "postgresql":
        pytest.fail("row locks need PostgreSQL: run the suite with `make test`")
    event = EventFactory(capacity=1)
    users = [UserFactory(username=f"racer{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def take_seat(user):
        try:
            barrier.wait(timeout=10)
            results.append(services.rsvp_create(actor=user, event=event).status)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take_seat, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert sorted(results) == [RSVP.Status.GOING, RSVP.Status.WAITLISTED]
    assert RSVP.objects.filter(status=RSVP.Status.GOING).count() == 1


@pytest.mark.django_db(transaction=True)
def test_second_transaction_waits_for_the_lock():
    """Hold the event row lock in one connection; the other RSVP must wait for it."""
    if connection.vendor != "postgresql":
        pytest.fail("row locks need PostgreSQL: run the suite with `make test`")
    import time

    from django.db import transaction

    from events.models import Event

    event = EventFactory(capacity=1)
    first, second = UserFactory(username="first"), UserFactory(username="second")
    locked, done = threading.Event(), {}

    def holder():
        try:
            with transaction.atomic():
                Event.objects.select_for_update().get(pk=event.pk)
                RSVP.objects.create(event=event, user=first, status=RSVP.Status.GOING)
                locked.set()
                time.sleep(0.5)
        finally:
            connections.close_all()

    def contender():
        try:
            locked.wait(10)
            started = time.monotonic()
            done["status"] = services.rsvp_create(actor=second, event=event).status
            done["waited"] = time.monotonic() - started
        finally:
            connections.close_all()

    threads = [threading.Thread(target=holder), threading.Thread(target=contender)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert done["status"] == RSVP.Status.WAITLISTED
    assert done["waited"] >= 0.3


def test_guests_take_seats(organiser):
    event = EventFactory(organisers=[organiser], capacity=4, max_guests=2)
    a, b, c = members("a", "b", "c")
    assert services.rsvp_create(actor=a, event=event, guests=2).status == RSVP.Status.GOING
    assert selectors.event_seats(event=event).taken == 3
    # one seat left: a member with a guest waits
    assert services.rsvp_create(actor=b, event=event, guests=1).status == RSVP.Status.WAITLISTED
    assert services.rsvp_create(actor=c, event=event).status == RSVP.Status.GOING
    seats = selectors.event_seats(event=event)
    assert (seats.taken, seats.full, seats.waitlist) == (4, True, 1)


def test_more_guests_than_allowed_or_free_are_refused_and_the_answer_stays(organiser):
    event = EventFactory(organisers=[organiser], capacity=3, max_guests=2)
    a, b = members("a", "b")
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
    a, big, small = members("a", "big", "small")
    services.rsvp_create(actor=a, event=event, guests=1)
    services.rsvp_create(actor=big, event=event, guests=2)    # waits first
    services.rsvp_create(actor=small, event=event)             # waits second
    services.rsvp_create(actor=a, event=event)                 # a drops their guest
    assert RSVP.objects.get(user=small).status == RSVP.Status.GOING
    assert RSVP.objects.get(user=big).status == RSVP.Status.WAITLISTED


def test_switching_online_and_back_keeps_the_members_place(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    a, b = members("a", "b")
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
    a, b = members("a", "b")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_create(actor=b, event=event, mode="online")
    services.rsvp_create(actor=b, event=event, mode="onsite")
    rsvp = services.rsvp_create(actor=b, event=event, mode="online")
    assert not rsvp.wants_onsite and selectors.event_seats(event=event).waitlist == 0


def test_changing_guests_on_the_waitlist_keeps_the_place_in_line(organiser):
    event = EventFactory(organisers=[organiser], capacity=1, max_guests=3)
    a, b, c = members("a", "b", "c")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_create(actor=b, event=event)
    services.rsvp_create(actor=c, event=event)
    before = RSVP.objects.get(user=b).waitlisted_at
    services.rsvp_create(actor=b, event=event, guests=1)
    assert RSVP.objects.get(user=b).waitlisted_at == before


def test_the_deadline_closes_new_answers_but_not_cancelling_or_going_online(organiser):
    event = EventFactory(organisers=[organiser],
                         rsvp_deadline=timezone.now() - timedelta(hours=1))
    early, late = members("early", "late")
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


def test_rsvp_takes_seats_then_waitlists(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    first, second = UserFactory(username="a"), UserFactory(username="b")
    assert services.rsvp_create(actor=first, event=event).status == RSVP.Status.GOING
    assert services.rsvp_create(actor=second, event=event).status == RSVP.Status.WAITLISTED
    # online places are unlimited
    online = services.rsvp_create(actor=UserFactory(username="c"), event=event, mode="online")
    assert online.status == RSVP.Status.GOING
    seats = selectors.event_seats(event=event)
    assert (seats.taken, seats.waitlist, seats.full) == (1, 1, True)


def test_rsvp_twice_is_idempotent(event, member):
    a = services.rsvp_create(actor=member, event=event)
    b = services.rsvp_create(actor=member, event=event)
    assert a.pk == b.pk and RSVP.objects.count() == 1


def test_rsvp_refuses_drafts_and_past_events(member, organiser):
    draft = EventFactory(status=Event.Status.DRAFT)
    with pytest.raises(ValidationError):
        services.rsvp_create(actor=member, event=draft)
    past = EventFactory(starts_at=timezone.now() - timedelta(days=2))
    with pytest.raises(ValidationError):
        services.rsvp_create(actor=member, event=past)


def test_cancel_promotes_first_on_waitlist_and_emails_them(
        organiser, django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser], capacity=1)
    going = UserFactory(username="going")
    first = UserFactory(username="first", email="first@example.org")
    second = UserFactory(username="second", email="second@example.org")
    services.rsvp_create(actor=going, event=event)
    services.rsvp_create(actor=first, event=event)
    services.rsvp_create(actor=second, event=event)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.rsvp_cancel(actor=going, event=event)
    assert RSVP.objects.get(user=first).status == RSVP.Status.GOING
    assert RSVP.objects.get(user=second).status == RSVP.Status.WAITLISTED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["first@example.org"]
    assert event.title in mail.outbox[0].subject


def test_switching_to_online_frees_the_seat(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    a, b = UserFactory(username="a"), UserFactory(username="b")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_create(actor=b, event=event)
    services.rsvp_create(actor=a, event=event, mode="online")
    assert RSVP.objects.get(user=b).status == RSVP.Status.GOING


def test_larger_capacity_promotes_the_waitlist(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    services.rsvp_create(actor=UserFactory(username="a"), event=event)
    waiting = services.rsvp_create(actor=UserFactory(username="b"), event=event)
    services.event_update(actor=organiser, event=event, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == RSVP.Status.GOING


def test_cancel_then_rsvp_again_goes_to_the_back(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    a = UserFactory(username="a")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_cancel(actor=a, event=event)
    assert services.rsvp_cancel(actor=a, event=event) is None
    assert services.rsvp_create(actor=a, event=event).status == RSVP.Status.GOING


def test_check_in_counts_and_walk_ins(event, organiser, other_organiser):
    onsite = RSVPFactory(event=event)
    online = RSVPFactory(event=event, mode=RSVP.Mode.ONLINE)
    RSVPFactory(event=event)  # answered yes, never came
    services.attendance_check_in(actor=organiser, event=event, rsvp=onsite)
    services.attendance_check_in(actor=organiser, event=event, rsvp=online)
    services.attendance_walk_ins_set(actor=organiser, event=event, onsite=19, online=2)
    counts = selectors.attendance_counts(event=event)
    assert (counts.onsite, counts.online, counts.total) == (20, 3, 23)
    services.attendance_check_in(actor=organiser, event=event, rsvp=onsite, present=False)
    assert selectors.attendance_counts(event=event).onsite == 19
    with pytest.raises(ValidationError):
        services.attendance_walk_ins_set(actor=organiser, event=event, onsite=-1, online=0)
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(actor=other_organiser, event=event, rsvp=onsite)


def test_check_in_refuses_rsvp_of_another_event(event, organiser):
    with pytest.raises(ValidationError):
        services.attendance_check_in(actor=organiser, event=event, rsvp=RSVPFactory())
