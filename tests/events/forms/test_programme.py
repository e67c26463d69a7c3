"""Programme forms: a talk's time the clocks skip is refused too."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from events.forms import TalkForm
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_talk_times_in_a_dst_gap_are_refused_too(organiser):
    start = datetime(2030, 3, 31, 1, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    event = EventFactory(organisers=[organiser], timezone="Europe/Berlin", starts_at=start,
                         ends_at=start + timedelta(hours=4))
    form = TalkForm({"title": "t", "speakers": "Ada", "starts_at": "2030-03-31T02:15"},
                    event=event)
    assert not form.is_valid() and "does not exist" in str(form.errors["starts_at"])
