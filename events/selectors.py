"""Reads of the events app that pages, feeds and the hub share.

What the public sees comes from the models' ``public()`` methods and nothing else: a
draft event, and every talk, speaker, recording, material, photo and post that is only
part of drafts, never appears on a list, page, feed, calendar, search result or API
answer. A draft's organisers preview it (and its files) through the ``*_visible``
readers, which add the ``events.services.event_can_manage`` check.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from events.models import RSVP, Event, Material, Photo, Post, Recording, Series, Speaker, Tag, Talk


def event_list_upcoming(*, limit: int | None = None) -> QuerySet[Event]:
    qs = (Event.objects.public().filter(ends_at__gte=timezone.now())
          .select_related("venue").order_by("starts_at"))
    return qs[:limit] if limit else qs


def event_list_past(*, limit: int | None = None) -> QuerySet[Event]:
    qs = (Event.objects.public().filter(ends_at__lt=timezone.now())
          .select_related("venue").order_by("-starts_at"))
    return qs[:limit] if limit else qs


def event_list_public() -> QuerySet[Event]:
    return Event.objects.public().select_related("venue", "series").order_by("-starts_at")


def event_list_managed(*, user) -> QuerySet[Event]:
    """Events the user may change (drafts included)."""
    if not user.is_authenticated:
        return Event.objects.none()
    qs = Event.objects.all() if user.is_superuser else user.organised_events.all()
    return qs.order_by("-starts_at")


def recording_list_latest(*, limit: int) -> QuerySet[Recording]:
    return (Recording.objects.public()
            .select_related("event").order_by("-event__starts_at", "id")[:limit])


def event_get_visible(*, slug: str, user) -> Event:
    """A published or cancelled event, or a draft for those who may manage it (preview)."""
    from events.services import event_is_visible

    event = Event.objects.select_related("venue", "series").get(slug=slug)
    if not event_is_visible(user=user, event=event):
        raise Event.DoesNotExist
    return event


def _get_visible(queryset: QuerySet, *, user, **lookup):
    """The public object matching ``lookup``, or a draft's for those who may manage its
    event; ``DoesNotExist`` for everyone else."""
    from events.services import event_can_manage

    try:
        return queryset.public().get(**lookup)
    except queryset.model.DoesNotExist:
        found = queryset.get(**lookup)
        if event_can_manage(user=user, event=found.event):
            return found
        raise


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


def material_get_notebook(*, event_slug: str, pk: int, user) -> Material:
    """An uploaded notebook of a public event, or of a draft its organisers preview."""
    return _get_visible(
        Material.objects.select_related("event").exclude(file=""), user=user,
        pk=pk, event__slug=event_slug, kind=Material.Kind.NOTEBOOK)


def material_get_file(*, event_slug: str, pk: int, user) -> Material:
    """A material with a stored file, if the user may see its event."""
    return _get_visible(Material.objects.select_related("event").exclude(file=""),
                        user=user, pk=pk, event__slug=event_slug)


def photo_get_file(*, event_slug: str, pk: int, user) -> Photo:
    """An uploaded photo (not an external link), if the user may see its event."""
    return _get_visible(Photo.objects.select_related("event").exclude(image=""),
                        user=user, pk=pk, event__slug=event_slug)


def speaker_get(*, slug: str) -> Speaker:
    """A speaker with a talk at a public event, with those talks only."""
    return Speaker.objects.public().prefetch_related(
        Prefetch("talks", queryset=Talk.objects.public()
                 .select_related("event").order_by("-event__starts_at"))
    ).get(slug=slug)


def speaker_list() -> QuerySet[Speaker]:
    """Speakers of public events, with the number of their public talks."""
    return Speaker.objects.public().annotate(
        n_talks=Count("talks", filter=Q(talks__in=Talk.objects.public()))).order_by("name")


def tag_get(*, slug: str) -> Tag:
    """A tag of something public (a tag only drafts use is not found)."""
    return Tag.objects.public().get(slug=slug)


def tag_items(*, tag: Tag) -> dict:
    return {"events": event_list_public().filter(tags=tag),
            "posts": post_list_public().filter(tags=tag)}


def series_get(*, slug: str) -> Series:
    """A series with a public event (a series of drafts only is not found)."""
    return Series.objects.public().get(slug=slug)


def series_events(*, series: Series) -> QuerySet[Event]:
    return event_list_public().filter(series=series)


def post_list_public() -> QuerySet[Post]:
    """Posts of no event or of a public event, newest first (pages, feeds, search, API)."""
    return Post.objects.public().select_related("event").prefetch_related("tags") \
        .order_by("-published_at", "id")


def post_get_visible(*, slug: str, user) -> Post:
    """A public post, or a draft event's summary for those who may manage the event."""
    from events.services import event_can_manage

    try:
        return post_list_public().get(slug=slug)
    except Post.DoesNotExist:
        post = Post.objects.select_related("event").get(slug=slug, event__isnull=False)
        if event_can_manage(user=user, event=post.event):
            return post
        raise


def search(*, query: str, limit: int = 50) -> dict:
    """Events, talks and posts whose words contain the query (case-insensitive)."""
    query = query.strip()
    if not query:
        return {"events": [], "talks": [], "posts": [], "query": ""}
    events = event_list_public().filter(
        Q(title__icontains=query) | Q(description__icontains=query)
        | Q(venue__name__icontains=query) | Q(tags__name__icontains=query)).distinct()
    talks = Talk.objects.public().filter(
        Q(title__icontains=query) | Q(abstract__icontains=query)
        | Q(speakers__name__icontains=query)).select_related("event").distinct()
    posts = post_list_public().filter(
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
            Prefetch("talks", queryset=Talk.objects.public().prefetch_related("speakers")),
            Prefetch("recordings", queryset=Recording.objects.public()),
            Prefetch("materials", queryset=Material.objects.public()),
            Prefetch("photos", queryset=Photo.objects.public()),
            Prefetch("posts", queryset=Post.objects.public()
                     .order_by("language", "-published_at")),
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
