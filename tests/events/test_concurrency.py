"""Two real PostgreSQL transactions race for the last seat; exactly one gets it."""

import threading

import pytest
from django.db import connection, connections

from events import services
from events.models import RSVP
from tests.events.factories import EventFactory, UserFactory


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
