"""Reads of the events app that pages, feeds and the hub share.

What the public sees comes from the models' ``public()`` methods and nothing else: a
draft event, and every talk, speaker, recording, material, photo and post that is only
part of drafts, never appears on a list, page, feed, calendar, search result or API
answer. A draft's organisers preview it (and its files) through the ``*_visible``
readers, which add the :func:`events.rules.event_can_manage` check. Who may see what is
decided in :mod:`events.rules`; selectors never import the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from events.extensions import challenge_provider
from events.models import (
    RSVP,
    Event,
    Material,
    Photo,
    Post,
    Recording,
    Series,
    Speaker,
    Tag,
    Talk,
    TalkProposal,
    TalkSpeaker,
    Venue,
)
from events.rules import (
    challenge_board_shown,
    event_can_manage,
    event_is_visible,
    post_is_visible,
    proposals_open,
    rsvp_open,
    speaker_can_edit,
    stream_visible,
)


def talks_with_lineup(queryset: QuerySet[Talk] | None = None) -> QuerySet[Talk]:
    """Talks with their speakers in order, in two queries whatever their number."""
    queryset = Talk.objects.all() if queryset is None else queryset
    return queryset.prefetch_related(
        Prefetch("talk_speakers", queryset=TalkSpeaker.objects.select_related("speaker")
                 .order_by("position", "id")))


def event_list_upcoming(*, limit: int | None = None) -> QuerySet[Event]:
    """Published events that have not ended, soonest first; never a cancelled one."""
    qs = (Event.objects.filter(status=Event.Status.PUBLISHED, ends_at__gte=timezone.now())
          .select_related("venue").order_by("starts_at", "id"))
    return qs[:limit] if limit else qs


def event_list_cancelled_upcoming() -> QuerySet[Event]:
    """Cancelled events that would not have ended yet (listed apart, marked cancelled)."""
    return (Event.objects.filter(status=Event.Status.CANCELLED, ends_at__gte=timezone.now())
            .select_related("venue").order_by("starts_at", "id"))


def event_list_past(*, limit: int | None = None) -> QuerySet[Event]:
    qs = (Event.objects.public().filter(ends_at__lt=timezone.now())
          .select_related("venue").order_by("-starts_at", "-id"))
    return qs[:limit] if limit else qs


def event_list_public() -> QuerySet[Event]:
    return Event.objects.public().select_related("venue", "series").order_by("-starts_at")


def event_list_managed(*, user) -> QuerySet[Event]:
    """Events the user may change (drafts included)."""
    if not user.is_authenticated:
        return Event.objects.none()
    qs = Event.objects.all() if user.is_superuser else user.organised_events.all()
    return qs.order_by("-starts_at")


def event_list_calendar() -> QuerySet[Event]:
    """Public events for the calendar, with venue and tags, in a fixed number of queries."""
    return event_list_public().prefetch_related("tags")


def recording_list_latest(*, limit: int) -> QuerySet[Recording]:
    return (Recording.objects.public()
            .select_related("event").order_by("-event__starts_at", "id")[:limit])


def event_get_visible(*, slug: str, user) -> Event:
    """A published or cancelled event, or a draft for those who may manage it (preview)."""
    event = Event.objects.select_related("venue", "series").get(slug=slug)
    if not event_is_visible(user=user, event=event):
        raise Event.DoesNotExist
    return event


def _get_visible(queryset: QuerySet, *, user, **lookup):
    """The public object matching ``lookup``, or a draft's for those who may manage its
    event; ``DoesNotExist`` for everyone else."""
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
    """Who came: members who checked in (with their guests on site) plus people counted
    who never registered."""
    counts = event.rsvps.filter(checked_in_at__isnull=False).aggregate(
        onsite=Coalesce(Sum(F("guests") + 1, filter=Q(mode=RSVP.Mode.ONSITE)), 0),
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
    """Seats taken on site (members and their guests) and how many wait for one."""
    counts = event.rsvps.aggregate(
        taken=Coalesce(Sum(F("guests") + 1,
                           filter=Q(status=RSVP.Status.GOING, mode=RSVP.Mode.ONSITE)), 0),
        waitlist=Count("id", filter=Q(status=RSVP.Status.WAITLISTED)
                       | Q(status=RSVP.Status.GOING, wants_onsite=True)),
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


@dataclass
class Challenge:
    """A model night's challenge as its event page and the API show it.

    ``state``: ``upcoming`` (the window has not opened: only when it opens is told),
    ``open`` or ``closed``. ``rows``/``pending`` come from the challenge provider
    (:mod:`events.extensions`) once the window has opened; ``available`` is false when
    no provider is registered (dois absent), and the page then shows the window only.
    """

    opens_at: datetime
    closes_at: datetime
    state: str
    available: bool
    board_url: str = ""
    submit_url: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)  # the first PENDING_SHOWN
    pending_count: int = 0  # all of them

    @property
    def pending_more(self) -> int:
        return self.pending_count - len(self.pending)


# Pending submissions listed one by one on a board (the rest are counted): members may
# queue many models, and the public page must not grow with them.
PENDING_SHOWN = 10


def event_challenge(*, event: Event, now: datetime | None = None) -> Challenge | None:
    """The challenge board of a public model night, or ``None`` (no challenge, or a
    draft). Two queries at most whatever the number of submissions (the provider's)."""
    window = event.challenge_window
    if window is None or not challenge_board_shown(event=event):
        return None
    opens, closes = window
    now = now or timezone.now()
    state = "upcoming" if now < opens else ("open" if now < closes else "closed")
    provider = challenge_provider()
    if provider is None:
        return Challenge(opens_at=opens, closes_at=closes, state=state, available=False)
    if state == "upcoming":
        links = provider.links()
        return Challenge(opens_at=opens, closes_at=closes, state=state, available=True,
                         board_url=links["board_url"], submit_url=links["submit_url"])
    board = provider.board(opens_at=opens, closes_at=closes)
    return Challenge(opens_at=opens, closes_at=closes, state=state, available=True,
                     board_url=board["board_url"], submit_url=board["submit_url"],
                     rows=board["rows"], pending=board["pending"][:PENDING_SHOWN],
                     pending_count=len(board["pending"]))


def talk_submissions(*, talks) -> dict[int, dict[str, Any]]:
    """The leaderboard submissions the talks link that anyone may see now, by id (one
    provider call whatever the number of talks; empty without a provider)."""
    ids = sorted({t.model_submission for t in talks if t.model_submission})
    provider = challenge_provider()
    if not ids or provider is None:
        return {}
    return provider.submissions_resolve(ids=ids)


def talks_with_submissions(talks) -> list[Talk]:
    """The talks, each with ``linked_submission``: the submission it presents as plain
    data, or ``None`` (none linked, not visible now, or no provider)."""
    talks = list(talks)
    found = talk_submissions(talks=talks)
    for talk in talks:
        talk.linked_submission = found.get(talk.model_submission)
    return talks


def event_detail(*, event: Event, user) -> dict:
    """Everything the event page shows."""
    can_manage = event_can_manage(user=user, event=event)
    rsvp = rsvp_get(event=event, user=user)
    return {
        "event": event,
        "talks": talks_with_submissions(talks_with_lineup(event.talks.all())),
        "challenge": event_challenge(event=event),
        "recordings": event.recordings.select_related("talk"),
        "materials": event.materials.all(),
        "photos": event.photos.all(),
        "posts": event.posts.order_by("language", "-published_at"),
        "tags": event.tags.all(),
        "organisers": event.organisers.all(),
        "attendance": attendance_counts(event=event),
        "seats": event_seats(event=event),
        "rsvp": rsvp,
        "rsvp_open": rsvp_open(event=event),
        "show_stream": stream_visible(event=event, rsvp=rsvp, can_manage=can_manage),
        "can_manage": can_manage,
        "is_past": event.ends_at < timezone.now(),
        "proposals_open": proposals_open(event=event),
        "my_proposals": (TalkProposal.objects.filter(event=event, user=user)
                         if user.is_authenticated else TalkProposal.objects.none()),
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


def speaker_get(*, slug: str, user=None) -> Speaker:
    """A speaker with a talk at a public event, with those talks only; those who may
    edit speakers also find one without public talks."""
    talks = Prefetch("talks", queryset=Talk.objects.public()
                     .select_related("event").order_by("-event__starts_at"))
    try:
        return Speaker.objects.public().prefetch_related(talks).get(slug=slug)
    except Speaker.DoesNotExist:
        speaker = Speaker.objects.prefetch_related(talks).get(slug=slug)
        if user is not None and speaker_can_edit(user=user, speaker=speaker):
            return speaker
        raise


def speaker_get_photo(*, slug: str, user) -> Speaker:
    """A speaker's stored photo, if the speaker's page is visible to the user."""
    speaker = speaker_get(slug=slug, user=user)
    if not speaker.photo:
        raise Speaker.DoesNotExist
    return speaker


def speaker_get_editable(*, slug: str, user) -> Speaker:
    speaker = Speaker.objects.get(slug=slug)
    if not speaker_can_edit(user=user, speaker=speaker):
        raise Speaker.DoesNotExist
    return speaker


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


def post_list_public(*, language: str | None = None) -> QuerySet[Post]:
    """Posts of no event or of a public event, newest first (pages, feeds, search, API).
    With ``language``, a post and its translation appear once, in that language where
    it exists."""
    qs = Post.objects.public()
    if language:
        qs = qs.for_reader(language)
    return qs.select_related("event", "translation").prefetch_related("tags") \
        .order_by("-published_at", "id")


def post_get_visible(*, slug: str, user) -> Post:
    """A public post, or a draft event's summary for those who may manage the event."""
    try:
        return post_list_public().get(slug=slug)
    except Post.DoesNotExist:
        post = Post.objects.select_related("event").get(slug=slug, event__isnull=False)
        if event_can_manage(user=user, event=post.event):
            return post
        raise


def post_translation_visible(*, post: Post, user) -> Post | None:
    """The other language's version of ``post``, where the user may see it."""
    translation = post.translation
    if translation is not None and not post_is_visible(user=user, post=translation):
        return None
    return translation


def search(*, query: str, limit: int = 50) -> dict:
    """Events, talks and posts whose words contain the query (case-insensitive)."""
    query = query.strip()
    if not query:
        return {"events": [], "talks": [], "posts": [], "query": ""}
    events = event_list_public().filter(
        Q(title__icontains=query) | Q(title_zh__icontains=query)
        | Q(description__icontains=query) | Q(description_zh__icontains=query)
        | Q(venue__name__icontains=query) | Q(tags__name__icontains=query)).distinct()
    talks = Talk.objects.public().filter(
        Q(title__icontains=query) | Q(title_zh__icontains=query)
        | Q(abstract__icontains=query) | Q(abstract_zh__icontains=query)
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
            Prefetch("talks", queryset=talks_with_lineup(Talk.objects.public())),
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


# --- venues ------------------------------------------------------------------------------

def venue_list() -> QuerySet[Venue]:
    """Current venues with the number of public events at them (old versions included)."""
    return Venue.objects.current().annotate(
        n_events=Count("events", filter=Q(events__status__in=("published", "cancelled")),
                       distinct=True)).order_by("name", "id")


def venue_get(*, pk: int) -> Venue:
    return Venue.objects.select_related("replaced_by").get(pk=pk)


def venue_events(*, venue: Venue) -> QuerySet[Event]:
    """Public events held at this venue row (an old version lists the past events that
    kept it)."""
    return event_list_public().filter(venue=venue)


def venue_versions(*, venue: Venue) -> list[Venue]:
    """Earlier versions of a venue (and merged duplicates), newest first."""
    found: list[Venue] = []
    seen = {venue.pk}
    frontier = [venue.pk]
    while frontier:
        earlier = [v for v in Venue.objects.filter(replaced_by__in=frontier).order_by("-id")
                   if v.pk not in seen]
        seen.update(v.pk for v in earlier)
        found += earlier
        frontier = [v.pk for v in earlier]
    return found


def venue_choices() -> QuerySet[Venue]:
    return Venue.objects.current().order_by("name", "id")


# --- talk proposals ------------------------------------------------------------------------

def proposal_list_for_event(*, event: Event) -> QuerySet[TalkProposal]:
    return (TalkProposal.objects.filter(event=event).select_related("user", "talk")
            .order_by("status", "created_at", "id"))


def proposal_list_mine(*, user) -> QuerySet[TalkProposal]:
    if not user.is_authenticated:
        return TalkProposal.objects.none()
    return TalkProposal.objects.filter(user=user).select_related("event")
