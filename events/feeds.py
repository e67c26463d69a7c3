"""Calendar (RFC 5545, with VTIMEZONE) and Atom feeds of events and posts.

Every entry says when (in the event's own time zone), where and whether it is
cancelled. Text is in the active language (the page's ``/en/`` or ``/zh-hans/``); a
calendar's text is plain (Markdown turned into text, links kept as addresses). An
event's calendar UID is its ``uid`` and never depends on the host that served it, so a
calendar that imported the event from the Chinese page, the English page or an email
sees the same event.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from events.models import Event, Post
from events.rendering import markdown_plain, markdown_render

PRODID = "-//TFUG community hub//events//EN"
UID_DOMAIN = "events.tfug-hub"


def event_uid(event: Event) -> str:
    """The event's calendar UID: the same from every host, page and email."""
    return f"{event.uid}@{UID_DOMAIN}"


def event_when(event: Event) -> str:
    """"7 September 2019 13:42 – 16:42 (Asia/Shanghai)" in the active language."""
    zone = ZoneInfo(event.timezone)
    start = timezone.localtime(event.starts_at, zone)
    end = timezone.localtime(event.ends_at, zone)
    text = formats.date_format(start, "DATETIME_FORMAT")
    if end.date() == start.date():
        text += " – " + formats.date_format(end, "TIME_FORMAT")
    else:
        text += " – " + formats.date_format(end, "DATETIME_FORMAT")
    return f"{text} ({event.timezone})"


def event_where(event: Event) -> str:
    if event.venue is None:
        return ""
    return ", ".join(part for part in (event.venue.name, event.venue.address) if part)


def _title(event: Event) -> str:
    if event.is_cancelled:
        return _("Cancelled: %(title)s") % {"title": event.display_title}
    return event.display_title


def _vevent(event: Event, base_url: str) -> VEvent:
    zone = ZoneInfo(event.timezone)
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", timezone.now())
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("dtstart", timezone.localtime(event.starts_at, zone))
    vevent.add("dtend", timezone.localtime(event.ends_at, zone))
    vevent.add("summary", _title(event))
    url = urljoin(base_url, event.get_absolute_url())
    vevent.add("url", url)
    parts = []
    if event.is_cancelled:
        parts.append(_("This event is cancelled."))
    description = markdown_plain(text=event.display_description)
    if description:
        parts.append(description)
    parts.append(url)
    vevent.add("description", "\n\n".join(parts))
    where = event_where(event)
    if where:
        vevent.add("location", where)
        venue = event.venue
        if venue.latitude is not None and venue.longitude is not None:
            vevent.add("geo", (float(venue.latitude), float(venue.longitude)))
    vevent.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    # increases with every change, so calendars replace their copy
    vevent.add("sequence", int(event.updated_at.timestamp()) if event.updated_at else 0)
    for tag in event.tags.all():
        vevent.add("categories", tag.name)
    return vevent


def ical_for_events(*, events: Iterable[Event], base_url: str, name: bool = False) -> bytes:
    """An iCalendar file of these events, each in its own time zone."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", _("%(site)s: events") % {"site": settings.SITE_NAME})
    zones: set[str] = set()
    for event in events:
        zones.add(event.timezone)
        cal.add_component(_vevent(event, base_url))
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
    fg.language(translation.get_language() or settings.LANGUAGE_CODE)
    fg.updated(timezone.now())
    return fg


def _event_summary_html(event: Event) -> str:
    rows = [(_("When"), event_when(event))]
    where = event_where(event)
    if where:
        rows.append((_("Where"), where))
    rows.append((_("Status"), event.get_status_display()))
    items = "".join(f"<li><strong>{escape(label)}:</strong> {escape(value)}</li>"
                    for label, value in rows)
    return f"<ul>{items}</ul>"


def atom_events(*, events: Iterable[Event], base_url: str, self_url: str) -> bytes:
    """Each entry: the title (marked when cancelled), when, where and the status, then
    the description. ``published`` is when the event was published, ``updated`` its
    last change."""
    fg = _feed(title=_("%(site)s: events") % {"site": settings.SITE_NAME}, self_url=self_url,
               base_url=base_url, feed_id=urljoin(base_url, "events/feed/atom/"))
    for event in events:
        url = urljoin(base_url, event.get_absolute_url())
        entry = fg.add_entry(order="append")
        entry.id(f"urn:uuid:{event.uid}")
        entry.title(_title(event))
        entry.link(href=url)
        entry.updated(event.updated_at)
        entry.published(event.published_at or event.updated_at)
        summary = _("%(when)s · %(where)s") % {"when": event_when(event),
                                                "where": event_where(event) or _("online")}
        if event.is_cancelled:
            summary = _("Cancelled.") + " " + summary
        entry.summary(summary)
        entry.content(_event_summary_html(event)
                      + str(markdown_render(text=event.display_description)), type="html")
        for tag in event.tags.all():
            entry.category(term=tag.slug, label=tag.name)
    return fg.atom_str(pretty=True)


def atom_posts(*, posts: Iterable[Post], base_url: str, self_url: str) -> bytes:
    fg = _feed(title=_("%(site)s: posts") % {"site": settings.SITE_NAME}, self_url=self_url,
               base_url=base_url, feed_id=urljoin(base_url, "events/posts/feed/atom/"))
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
