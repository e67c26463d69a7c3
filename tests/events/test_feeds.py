import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from events import services
from events.models import Event
from tests.events.factories import EventFactory, PostFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SH = ZoneInfo("Asia/Shanghai")


def test_event_ics_is_valid_with_time_zone(client):
    start = datetime(2019, 9, 7, 13, 42, tzinfo=SH)
    event = EventFactory(title="First meetup", starts_at=start, ends_at=start.replace(hour=16))
    response = client.get(reverse("events:ics", kwargs={"slug": event.slug}))
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "First meetup"
    dtstart = vevent.decoded("DTSTART")
    assert dtstart == start and str(dtstart.tzinfo) == "Asia/Shanghai"
    assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert vevent["UID"] and vevent["DTSTAMP"]
    assert event.venue.name in str(vevent["LOCATION"])
    assert b"\r\n" in response.content


def test_calendar_feed_lists_published_events_only(client):
    EventFactory(title="Visible")
    EventFactory(title="Cancelled one", status=Event.Status.CANCELLED)
    EventFactory(title="Secret draft", status=Event.Status.DRAFT)
    cal = Calendar.from_ical(client.get(reverse("events:calendar_ics")).content)
    summaries = {str(v["SUMMARY"]): str(v["STATUS"]) for v in cal.walk("VEVENT")}
    assert summaries == {"Visible": "CONFIRMED", "Cancelled: Cancelled one": "CANCELLED"}


def test_draft_has_no_ics(client):
    event = EventFactory(status=Event.Status.DRAFT)
    assert client.get(reverse("events:ics", kwargs={"slug": event.slug})).status_code == 404


def test_events_atom_feed(client):
    EventFactory(title="Keras night", description="<script>x</script>**bold**")
    EventFactory(title="Draft", status=Event.Status.DRAFT)
    response = client.get(reverse("events:atom"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text and root.find(f"{ATOM}updated").text
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Keras night"]
    content = entries[0].find(f"{ATOM}content").text
    assert "<strong>bold</strong>" in content and "<script" not in content
    assert entries[0].find(f"{ATOM}link").get("href").startswith("http://testserver/")


def test_posts_atom_feed(client, organiser):
    event = EventFactory(organisers=[organiser])
    services.post_save(actor=organiser, event=event, title="首次小结", body="你好" * 20,
                       author="zoomq", description="summary", tags=["tfug"])
    PostFactory(title="Second")
    root = ET.fromstring(  # noqa: S314 - our own feed
        client.get(reverse("events:posts_atom")).content)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert set(titles) == {"首次小结", "Second"}
    entry = next(e for e in root.findall(f"{ATOM}entry")
                 if e.find(f"{ATOM}title").text == "首次小结")
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "zoomq"
    assert entry.find(f"{ATOM}category").get("term") == "tfug"
