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
    services.post_write(actor=organiser, event=event, title="首次小结", body="你好" * 20,
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


def test_atom_entries_say_when_where_and_status_and_are_published_when_the_event_was(
        client, organiser):
    event = EventFactory(title="Keras night", venue__name="Loft", venue__address="5 Nanteng",
                         starts_at=datetime(2030, 3, 1, 14, 0, tzinfo=SH),
                         ends_at=datetime(2030, 3, 1, 17, 0, tzinfo=SH),
                         published_at=datetime(2030, 1, 5, 9, 0, tzinfo=SH))
    EventFactory(title="Called off", status=Event.Status.CANCELLED)
    root = ET.fromstring(client.get("/en/events/feed/atom/").content)  # noqa: S314
    entries = {e.find(f"{ATOM}title").text: e for e in root.findall(f"{ATOM}entry")}
    entry = entries["Keras night"]
    published = datetime.fromisoformat(entry.find(f"{ATOM}published").text)
    assert published == datetime(2030, 1, 5, 9, 0, tzinfo=SH)  # not the row's creation
    assert entry.find(f"{ATOM}id").text == f"urn:uuid:{event.uid}"
    summary = entry.find(f"{ATOM}summary").text
    assert "March 1, 2030, 2 p.m." in summary and "(Asia/Shanghai)" in summary
    assert "Loft, 5 Nanteng" in summary
    content = entry.find(f"{ATOM}content").text
    assert "Status:</strong> Published" in content
    assert "Cancelled: Called off" in entries
    assert entries["Cancelled: Called off"].find(f"{ATOM}summary").text.startswith("Cancelled.")


def test_the_chinese_feeds_are_chinese(client):
    EventFactory(title="Keras night", status=Event.Status.CANCELLED)
    PostFactory(title="小结")
    events = client.get("/zh-hans/events/feed/atom/").content.decode()
    assert "：活动" in events and "已取消：Keras night" in events and "状态" in events
    assert 'xml:lang="zh-hans"' in events or "<language>zh-hans" in events \
        or 'lang="zh-hans"' in events
    posts = client.get("/zh-hans/events/posts/feed/atom/").content.decode()
    assert "：文章" in posts


def test_the_calendar_text_is_plain_and_its_uid_does_not_depend_on_the_host(client,
                                                                            settings):
    settings.ALLOWED_HOSTS = ["hub.example.org", "127.0.0.1"]
    event = EventFactory(description="## Plan\n\nBring a **laptop**, see "
                                     "[the setup](https://tfug.example/setup).")
    url = reverse("events:ics", kwargs={"slug": event.slug})
    first = Calendar.from_ical(client.get(url, HTTP_HOST="hub.example.org").content)
    second = Calendar.from_ical(client.get(url.replace("/en/", "/zh-hans/"),
                                           HTTP_HOST="127.0.0.1:8000").content)
    [a], [b] = first.walk("VEVENT"), second.walk("VEVENT")
    assert str(a["UID"]) == str(b["UID"]) == f"{event.uid}@events.tfug-hub"
    description = str(a["DESCRIPTION"])
    assert "**" not in description and "##" not in description and "<" not in description
    assert "Bring a laptop, see the setup (https://tfug.example/setup)." in description


def test_an_event_with_a_chinese_slug_has_its_calendar(client):
    event = EventFactory(slug="2030-03-01-首次聚会")
    response = client.get(reverse("events:ics", kwargs={"slug": event.slug}))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
