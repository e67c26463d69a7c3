"""What members did for the meetups, for the hub's member credit (``hub.credit``).

The hub imports this module by name; it imports nothing of the hub or of dois. Only
public events that have begun count (drafts and announcements never show): events a
member attended (checked in on site or online), the talks they gave with their
recordings, and per year the events held, attendance, talks, recordings and who spoke,
organised or came.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from events.models import RSVP, Event, Recording, Talk

TITLE = _("Meetups")


def _attended(*, user):
    return (RSVP.objects.filter(user=user, checked_in_at__isnull=False,
                                event__in=Event.objects.public())
            .select_related("event").order_by("-event__starts_at"))


def _talks(*, user):
    return (Talk.objects.public()
            .filter(speakers__user=user, event__starts_at__lte=timezone.now()).distinct()
            .select_related("event").prefetch_related("recordings")
            .order_by("-event__starts_at", "id"))


def _day(event: Event) -> str:
    return date_format(timezone.localtime(event.starts_at), "DATE_FORMAT")


def member_credit(*, user) -> dict:
    attended = list(_attended(user=user))
    talks = list(_talks(user=user))
    onsite = [r for r in attended if r.mode == RSVP.Mode.ONSITE]
    online = [r for r in attended if r.mode == RSVP.Mode.ONLINE]
    recorded = [t for t in talks if t.recordings.all()]
    return {
        "counts": [
            {"key": "events_onsite", "label": _("Events attended on site"),
             "value": len(onsite)},
            {"key": "events_online", "label": _("Events attended online"),
             "value": len(online)},
            {"key": "talks", "label": _("Talks given"), "value": len(talks)},
            {"key": "talks_recorded", "label": _("Talks with a recording"),
             "value": len(recorded)},
        ],
        "lists": [
            {"key": "talks", "label": _("Talks"), "entries": [
                {"text": t.display_title, "url": t.event.get_absolute_url(),
                 "note": f"{t.event.display_title}, {_day(t.event)}",
                 "links": [{"text": r.title or r.get_kind_display(), "url": r.url}
                           for r in t.recordings.all()]} for t in talks]},
            {"key": "events", "label": _("Events attended"), "entries": [
                {"text": r.event.display_title, "url": r.event.get_absolute_url(),
                 "note": f"{_day(r.event)} · {r.get_mode_display()}"} for r in attended]},
        ],
    }


def _held():
    """Public events that have begun: an announced event is not yet one the group held."""
    return Event.objects.public().filter(starts_at__lte=timezone.now())


def _year_events(year: int):
    return _held().filter(starts_at__year=year).exclude(status=Event.Status.CANCELLED)


def active_years() -> list[int]:
    return sorted({d.year for d in _held().dates("starts_at", "year")})


def year_summary(*, year: int) -> dict:
    events = _year_events(year)
    came = RSVP.objects.filter(event__in=events, checked_in_at__isnull=False)
    # as the event's own head count: a member checked in on site with their guests
    counts = came.aggregate(
        onsite=Coalesce(Sum(F("guests") + 1, filter=Q(mode=RSVP.Mode.ONSITE)), 0),
        online=Count("id", filter=Q(mode=RSVP.Mode.ONLINE)))
    walk_ins = [(e.walk_ins_onsite or 0, e.walk_ins_online or 0) for e in events]
    talks = Talk.objects.filter(event__in=events)
    contributors: dict[int, list[dict]] = {}

    def add(user_id: int | None, key: str, label, value: int) -> None:
        if user_id:
            contributors.setdefault(user_id, []).append(
                {"key": key, "label": label, "value": value})

    for row in (talks.filter(speakers__user__isnull=False)
                .values("speakers__user").annotate(n=Count("id", distinct=True))):
        add(row["speakers__user"], "talks", _("talks"), row["n"])
    for row in events.values("organisers").annotate(n=Count("id")):
        add(row["organisers"], "events_organised", _("events organised"), row["n"])
    for row in came.values("user").annotate(n=Count("id")):
        add(row["user"], "events_attended", _("events attended"), row["n"])
    return {
        "totals": [
            {"key": "events", "label": _("Events held"), "value": events.count()},
            {"key": "attended_onsite", "label": _("Attendances on site"),
             "value": counts["onsite"] + sum(w[0] for w in walk_ins)},
            {"key": "attended_online", "label": _("Attendances online"),
             "value": counts["online"] + sum(w[1] for w in walk_ins)},
            {"key": "talks", "label": _("Talks"), "value": talks.count()},
            {"key": "recordings", "label": _("Recordings"),
             "value": Recording.objects.filter(event__in=events).count()},
        ],
        "contributors": contributors,
    }
