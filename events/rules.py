"""Who may do what in the events app, and when (a leaf module: it imports only models).

Each rule is a keyword-only predicate, decided here once: services and selectors call
these, views call them for what a page offers, and the services turn a refusal into
the message users see (:func:`common.permissions.permission_require`).

Holding a permission of the organiser role is not enough to change an event: the user
must also be one of that event's organisers. Venues and speakers are shared by events,
so changing them takes the role's ``events.change_venue`` or ``events.change_speaker``;
a speaker linked to an account may also edit their own profile.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from events.models import RSVP, Event, Post, Speaker, TalkProposal

if TYPE_CHECKING:
    from common.permissions import Actor


def _active(user: Actor | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- events ---------------------------------------------------------------------------

def event_can_create(*, user: Actor | None) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm("events.add_event"))


def event_can_manage(*, user: Actor | None, event: Event) -> bool:
    """Object-level: the user organises this event and holds the organiser role."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return (user.has_perm("events.manage_event")
            and event.organisers.filter(pk=user.pk).exists())


def event_is_visible(*, user: Actor | None, event: Event) -> bool:
    """Anyone sees a published or cancelled event and all it holds; a draft, with its
    talks, files and posts, only those who may manage it (a preview)."""
    return event.is_public or event_can_manage(user=user, event=event)


def challenge_board_shown(*, event: Event) -> bool:
    """A model night's board is public with its event (the events' ``public()`` rules):
    a draft's preview leaves it out, a cancelled event keeps it."""
    return event.model_night and event.is_public


def event_can_delete(*, event: Event) -> bool:
    """A draft, or an event nobody answered: nothing that people count on is lost."""
    return event.status == Event.Status.DRAFT or not event.rsvps.exists()


def user_is_organiser(*, user: Actor) -> bool:
    """Whether ``user`` holds the organiser role, so may be made an event's organiser."""
    return user.has_perm("events.manage_event")  # an active superuser has every permission


# --- RSVPs and the stream ---------------------------------------------------------------

def rsvp_can_answer(*, user: Actor | None) -> bool:
    """Members answer for themselves: anyone logged in."""
    return bool(user and user.is_authenticated)


def rsvp_open(*, event: Event, now: datetime | None = None) -> bool:
    """Whether the event takes new answers now (published, before the deadline, or
    before the start when it has none)."""
    now = now or timezone.now()
    deadline = event.rsvp_deadline or event.starts_at
    return event.status == Event.Status.PUBLISHED and now < deadline and now < event.ends_at


def stream_visible(*, event: Event, rsvp: RSVP | None, can_manage: bool = False) -> bool:
    """The online stream link: for members going online (and the organisers), until
    the event ends; never for a cancelled event."""
    if not event.stream_url or event.status != Event.Status.PUBLISHED:
        return False
    if event.ends_at <= timezone.now():
        return False
    if can_manage:
        return True
    return bool(rsvp and rsvp.status == RSVP.Status.GOING and rsvp.mode == RSVP.Mode.ONLINE)


# --- venues and speakers ------------------------------------------------------------------

def venue_can_add(*, user: Actor | None) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm("events.add_venue"))


def venue_can_edit(*, user: Actor | None) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm("events.change_venue"))


def speaker_can_edit(*, user: Actor | None, speaker: Speaker | None = None) -> bool:
    """Organisers edit any speaker; a member edits the speaker profile linked to them."""
    if not _active(user):
        return False
    if user.is_superuser or user.has_perm("events.change_speaker"):
        return True
    return speaker is not None and speaker.user_id == user.pk


# --- talk proposals -----------------------------------------------------------------------

def proposal_can_submit(*, user: Actor | None) -> bool:
    return _active(user)


def proposals_open(*, event: Event) -> bool:
    """Whether the event takes proposals: published and not started."""
    return event.status == Event.Status.PUBLISHED and event.starts_at > timezone.now()


def proposal_can_withdraw(*, user: Actor, proposal: TalkProposal) -> bool:
    """Only the member who proposed a talk withdraws it."""
    return proposal.user_id == user.pk


# --- posts --------------------------------------------------------------------------------

def post_is_visible(*, user: Actor | None, post: Post) -> bool:
    """A post of no event, or of an event the user sees (a draft's summary waits for it,
    but its organisers preview it)."""
    return post.event is None or event_is_visible(user=user, event=post.event)


def post_can_write(*, user: Actor | None) -> bool:
    """Who may write a post of no event (a post about an event needs its organiser)."""
    return bool(user) and user.has_perm("events.add_post")


def post_can_edit(*, user: Actor | None, post: Post) -> bool:
    """A post about an event: that event's organisers; a post of no event: the
    organiser role's ``events.change_post``."""
    if post.event_id is not None:
        return event_can_manage(user=user, event=post.event)
    return bool(user) and user.has_perm("events.change_post")


def post_can_import(*, user: Actor | None) -> bool:
    """Who may upload posts that belong to no event (or to any event they organise)."""
    return _active(user) and (user.is_superuser or user.has_perm("events.import_posts"))
