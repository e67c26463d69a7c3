"""The meetups' part of member credit (events.credit): an announced event is not one the
group held, and titles come in the reader's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from events import credit
from events.models import RSVP
from tests.events.factories import (
    EventFactory,
    OrganiserFactory,
    RSVPFactory,
    SpeakerFactory,
    TalkFactory,
)
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db


def _totals(year: int) -> dict:
    return {t["key"]: t["value"] for t in credit.year_summary(year=year)["totals"]}


def test_an_announced_event_is_not_counted_as_held_nor_opens_its_year():
    organiser = OrganiserFactory(username="org")
    now = timezone.now()
    held = EventFactory(starts_at=now - timedelta(days=400), organisers=[organiser])
    TalkFactory(event=held)
    next_year = EventFactory(starts_at=now + timedelta(days=400), organisers=[organiser])
    TalkFactory(event=next_year)
    assert credit.active_years() == [held.starts_at.year]
    assert _totals(next_year.starts_at.year)["events"] == 0
    assert _totals(next_year.starts_at.year)["talks"] == 0
    assert credit.year_summary(year=next_year.starts_at.year)["contributors"] == {}
    assert _totals(held.starts_at.year)["events"] == 1
    # once it has begun it counts
    next_year.starts_at = now - timedelta(minutes=1)
    next_year.ends_at = now + timedelta(hours=2)
    next_year.save()
    assert _totals(now.year)["events"] >= 1


def test_a_talk_not_given_yet_is_not_a_talk_given():
    member = UserFactory(username="ada", roles=["volunteer"])
    speaker = SpeakerFactory(user=member)
    TalkFactory(event=EventFactory(starts_at=timezone.now() - timedelta(days=3)),
                title="Given", speakers=[speaker])
    TalkFactory(event=EventFactory(), title="Next week", speakers=[speaker])
    data = credit.member_credit(user=member)
    counts = {c["key"]: c["value"] for c in data["counts"]}
    assert counts["talks"] == 1
    talks = next(lst for lst in data["lists"] if lst["key"] == "talks")
    assert [e["text"] for e in talks["entries"]] == ["Given"]


def test_titles_are_in_the_readers_language():
    member = UserFactory(username="mei", roles=["volunteer"])
    event = EventFactory(title="First meetup", title_zh="首次聚会",
                         starts_at=timezone.now() - timedelta(days=3))
    RSVPFactory(event=event, user=member, mode=RSVP.Mode.ONSITE,
                checked_in_at=event.starts_at)
    TalkFactory(event=event, title="Fins", title_zh="背鳍", speakers=[SpeakerFactory(user=member)])
    for lang, event_title, talk_title in [("zh-hans", "首次聚会", "背鳍"),
                                          ("en", "First meetup", "Fins")]:
        with override(lang):
            data = credit.member_credit(user=member)
        lists = {lst["key"]: lst["entries"] for lst in data["lists"]}
        assert lists["events"][0]["text"] == event_title
        assert lists["talks"][0]["text"] == talk_title
        assert lists["talks"][0]["note"].startswith(event_title + ",")
