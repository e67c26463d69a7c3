"""Calendar (RFC 5545, with VTIMEZONE) and Atom feeds of events and posts."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from events.models import Event, Post
from events.rendering import markdown_render

PRODID = "-//TFUG community hub//events//EN"


def _uid(event: Event, base_url: str) -> str:
    host = base_url.split("//", 1)[-1].strip("/").split("/")[0] or "localhost"
    return f"event-{event.pk}@{host}"


def ical_for_events(*, events: Iterable[Event], base_url: str, name: bool = False) -> bytes:
    """An iCalendar file of these events, each in its own time zone."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", f"{settings.SITE_NAME}")
    zones: set[str] = set()
    for event in events:
        zone = ZoneInfo(event.timezone)
        zones.add(event.timezone)
        vevent = VEvent()
        vevent.add("uid", _uid(event, base_url))
        vevent.add("dtstamp", timezone.now())
        vevent.add("created", event.created_at)
        vevent.add("last-modified", event.updated_at)
        vevent.add("dtstart", timezone.localtime(event.starts_at, zone))
        vevent.add("dtend", timezone.localtime(event.ends_at, zone))
        vevent.add("summary", event.title)
        url = urljoin(base_url, event.get_absolute_url())
        vevent.add("url", url)
        description = event.description
        if event.stream_url:
            description = f"{description}\n\nOnline: {event.stream_url}".strip()
        vevent.add("description", f"{description}\n\n{url}".strip())
        if event.venue:
            vevent.add("location", ", ".join(p for p in (event.venue.name,
                                                         event.venue.address) if p))
            if event.venue.latitude is not None and event.venue.longitude is not None:
                vevent.add("geo", (float(event.venue.latitude), float(event.venue.longitude)))
        vevent.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
        for tag in event.tags.all():
            vevent.add("categories", tag.name)
        cal.add_component(vevent)
    for zone_name in sorted(zones):
        cal.add_component(Timezone.from_tzid(zone_name))
    return cal.to_ical()


def _feed(*, title: str, self_url: str, base_url: str, feed_id: str):
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.link(href=self_url, rel="self")
    fg.link(href=base_url, rel="alternate")
    fg.language(settings.LANGUAGE_CODE)
    fg.updated(timezone.now())
    return fg


def atom_events(*, events: Iterable[Event], base_url: str, self_url: str) -> bytes:
    fg = _feed(title=f"{settings.SITE_NAME}: events", self_url=self_url, base_url=base_url,
               feed_id=urljoin(base_url, "events/feed/atom/"))
    for event in events:
        url = urljoin(base_url, event.get_absolute_url())
        entry = fg.add_entry(order="append")
        entry.id(url)
        entry.title(event.title)
        entry.link(href=url)
        entry.updated(event.updated_at)
        entry.published(event.published_at or event.created_at)
        entry.content(str(markdown_render(text=event.description)), type="html")
    return fg.atom_str(pretty=True)


def atom_posts(*, posts: Iterable[Post], base_url: str, self_url: str) -> bytes:
    fg = _feed(title=f"{settings.SITE_NAME}: posts", self_url=self_url, base_url=base_url,
               feed_id=urljoin(base_url, "events/posts/feed/atom/"))
    for post in posts:
        url = urljoin(base_url, post.get_absolute_url())
        entry = fg.add_entry(order="append")
        entry.id(url)
        entry.title(post.title)
        entry.link(href=url)
        entry.updated(post.updated_at)
        entry.published(post.published_at)
        if post.author:
            entry.author({"name": post.author})
        if post.description:
            entry.summary(post.description)
        for tag in post.tags.all():
            entry.category(term=tag.slug, label=tag.name)
        entry.content(str(markdown_render(text=post.body)), type="html")
    return fg.atom_str(pretty=True)
