"""Reads of the events app that pages, feeds and the hub share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from events.models import RSVP, Event, Material, Photo, Post, Recording, Series, Speaker, Tag, Talk


def event_list_upcoming(*, limit: int | None = None) -> QuerySet[Event]:
    qs = (Event.objects.published().filter(ends_at__gte=timezone.now())
          .select_related("venue").order_by("starts_at"))
    return qs[:limit] if limit else qs


def event_list_past(*, limit: int | None = None) -> QuerySet[Event]:
    qs = (Event.objects.published().filter(ends_at__lt=timezone.now())
          .select_related("venue").order_by("-starts_at"))
    return qs[:limit] if limit else qs


def event_list_public() -> QuerySet[Event]:
    return Event.objects.published().select_related("venue", "series").order_by("-starts_at")


def event_list_managed(*, user) -> QuerySet[Event]:
    """Events the user may change (drafts included)."""
    if not user.is_authenticated:
        return Event.objects.none()
    qs = Event.objects.all() if user.is_superuser else user.organised_events.all()
    return qs.order_by("-starts_at")


def recording_list_latest(*, limit: int) -> QuerySet[Recording]:
    return (Recording.objects.filter(event__in=Event.objects.published())
            .select_related("event").order_by("-event__starts_at", "id")[:limit])


def event_get_visible(*, slug: str, user) -> Event:
    """A published or cancelled event, or a draft for those who may manage it (preview)."""
    from events.services import event_can_manage

    event = Event.objects.select_related("venue", "series").get(slug=slug)
    if event.status == Event.Status.DRAFT and not event_can_manage(user=user, event=event):
        raise Event.DoesNotExist
    return event


@dataclass(frozen=True)
class Attendance:
    onsite_checked_in: int
    onsite_walk_ins: int
    online_checked_in: int
    online_walk_ins: int

    @property
    def onsite(self) -> int:
        return self.onsite_checked_in + self.onsite_walk_ins

    @property
    def online(self) -> int:
        return self.online_checked_in + self.online_walk_ins

    @property
    def total(self) -> int:
        return self.onsite + self.online


def attendance_counts(*, event: Event) -> Attendance:
    """Who came: members who checked in plus people counted who never registered."""
    counts = event.rsvps.filter(checked_in_at__isnull=False).aggregate(
        onsite=Count("id", filter=Q(mode=RSVP.Mode.ONSITE)),
        online=Count("id", filter=Q(mode=RSVP.Mode.ONLINE)),
    )
    return Attendance(counts["onsite"], event.walk_ins_onsite, counts["online"],
                      event.walk_ins_online)


@dataclass(frozen=True)
class Seats:
    capacity: int | None
    taken: int
    waitlist: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


def event_seats(*, event: Event) -> Seats:
    counts = event.rsvps.aggregate(
        taken=Count("id", filter=Q(status=RSVP.Status.GOING, mode=RSVP.Mode.ONSITE)),
        waitlist=Count("id", filter=Q(status=RSVP.Status.WAITLISTED)),
    )
    return Seats(event.capacity, counts["taken"], counts["waitlist"])


def rsvp_get(*, event: Event, user) -> RSVP | None:
    if not user.is_authenticated:
        return None
    return RSVP.objects.filter(event=event, user=user).first()


def rsvp_list(*, event: Event) -> QuerySet[RSVP]:
    return event.rsvps.select_related("user").order_by("status", "created_at", "id")


def waitlist(*, event: Event) -> QuerySet[RSVP]:
    return event.rsvps.filter(status=RSVP.Status.WAITLISTED).order_by("waitlisted_at", "id")


def event_detail(*, event: Event, user) -> dict:
    """Everything the event page shows."""
    from events.services import event_can_manage

    talks = event.talks.prefetch_related("speakers")
    return {
        "event": event,
        "talks": talks,
        "recordings": event.recordings.select_related("talk"),
        "materials": event.materials.all(),
        "photos": event.photos.all(),
        "posts": event.posts.order_by("language", "-published_at"),
        "tags": event.tags.all(),
        "organisers": event.organisers.all(),
        "attendance": attendance_counts(event=event),
        "seats": event_seats(event=event),
        "rsvp": rsvp_get(event=event, user=user),
        "can_manage": event_can_manage(user=user, event=event),
        "is_past": event.ends_at < timezone.now(),
    }


def material_get_notebook(*, event_slug: str, pk: int) -> Material:
    return Material.objects.select_related("event").get(
        pk=pk, event__slug=event_slug, event__in=Event.objects.published(),
        kind=Material.Kind.NOTEBOOK)


def speaker_get(*, slug: str) -> Speaker:
    return Speaker.objects.prefetch_related(
        Prefetch("talks", queryset=Talk.objects.filter(event__in=Event.objects.published())
                 .select_related("event").order_by("-event__starts_at"))
    ).get(slug=slug)


def speaker_list() -> QuerySet[Speaker]:
    return Speaker.objects.annotate(n_talks=Count("talks")).order_by("name")


def tag_get(*, slug: str) -> Tag:
    return Tag.objects.get(slug=slug)


def tag_items(*, tag: Tag) -> dict:
    return {"events": event_list_public().filter(tags=tag),
            "posts": post_list().filter(tags=tag)}


def series_get(*, slug: str) -> Series:
    return Series.objects.get(slug=slug)


def post_list() -> QuerySet[Post]:
    return Post.objects.select_related("event").prefetch_related("tags") \
        .order_by("-published_at", "id")


def post_get(*, slug: str) -> Post:
    return post_list().get(slug=slug)


def photo_list(*, event: Event) -> QuerySet[Photo]:
    return event.photos.all()


def search(*, query: str, limit: int = 50) -> dict:
    """Events, talks and posts whose words contain the query (case-insensitive)."""
    query = query.strip()
    if not query:
        return {"events": [], "talks": [], "posts": [], "query": ""}
    events = event_list_public().filter(
        Q(title__icontains=query) | Q(description__icontains=query)
        | Q(venue__name__icontains=query) | Q(tags__name__icontains=query)).distinct()
    talks = Talk.objects.filter(event__in=Event.objects.published()).filter(
        Q(title__icontains=query) | Q(abstract__icontains=query)
        | Q(speakers__name__icontains=query)).select_related("event").distinct()
    posts = post_list().filter(
        Q(title__icontains=query) | Q(description__icontains=query)
        | Q(body__icontains=query)).distinct()
    return {"events": events[:limit], "talks": talks[:limit], "posts": posts[:limit],
            "query": query}


# --- the REST API ------------------------------------------------------------------------

def event_list_api() -> QuerySet[Event]:
    """Published (and cancelled) events for the API, newest first; never drafts."""
    return event_list_public().prefetch_related("tags")


def event_get_api(*, slug: str) -> Event:
    """One published (or cancelled) event with everything its API page shows."""
    return (
        event_list_api()
        .prefetch_related(
            Prefetch("talks", queryset=Talk.objects.prefetch_related("speakers")),
            Prefetch("recordings", queryset=Recording.objects.all()),
            Prefetch("materials", queryset=Material.objects.all()),
            Prefetch("photos", queryset=Photo.objects.all()),
            Prefetch("posts", queryset=Post.objects.order_by("language", "-published_at")),
        )
        .get(slug=slug)
    )


def event_filter_when(*, queryset: QuerySet[Event], when: str) -> QuerySet[Event]:
    """``upcoming``: not over yet, soonest first; ``past``: over, latest first."""
    now = timezone.now()
    if when == "upcoming":
        return queryset.filter(ends_at__gte=now).order_by("starts_at", "id")
    if when == "past":
        return queryset.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    return queryset


def post_list_public() -> QuerySet[Post]:
    """Posts for the API: those about a draft event wait until the event is published."""
    return post_list().filter(
        Q(event__isnull=True) | Q(event__in=Event.objects.published()))
