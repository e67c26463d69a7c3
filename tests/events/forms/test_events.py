"""Event forms: wall-clock times read in the event's zone; a time the clocks skip is refused."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from events.forms import EventForm

pytestmark = pytest.mark.django_db


def _event_form(**values):
    data = {"title": "t", "timezone": "Europe/Berlin", "starts_at": "2030-03-31T02:30",
            "ends_at": "2030-03-31T05:00", "max_guests": "0"}
    data.update(values)
    return EventForm(data)


def test_a_time_that_does_not_exist_is_refused_with_the_reason():
    form = _event_form()  # 02:30 is skipped when Berlin moves to summer time
    assert not form.is_valid()
    message = " ".join(form.errors["starts_at"])
    assert "does not exist in Europe/Berlin" in message and "03:30" in message
    ok = _event_form(starts_at="2030-03-31T03:30")
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["starts_at"] == datetime(2030, 3, 31, 3, 30,
                                                    tzinfo=ZoneInfo("Europe/Berlin"))
