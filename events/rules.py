"""Who may do what in the events app (a leaf module: models only).

Holding a permission of the organiser role is not enough to change an event: the user
must also be one of that event's organisers. Venues and speakers are shared by events,
so changing them takes the role's ``events.change_venue`` or ``events.change_speaker``;
a speaker linked to an account may also edit their own profile.
"""

from __future__ import annotations

from events.models import Event, Speaker


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def event_can_create(*, user) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm("events.add_event"))


def event_can_manage(*, user, event: Event) -> bool:
    """Object-level: the user organises this event and holds the organiser role."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return (user.has_perm("events.manage_event")
            and event.organisers.filter(pk=user.pk).exists())


def event_is_visible(*, user, event: Event) -> bool:
    """Anyone sees a published or cancelled event and all it holds; a draft, with its
    talks, files and posts, only those who may manage it (a preview)."""
    return event.is_public or event_can_manage(user=user, event=event)


def venue_can_edit(*, user) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm("events.change_venue"))


def speaker_can_edit(*, user, speaker: Speaker | None = None) -> bool:
    """Organisers edit any speaker; a member edits the speaker profile linked to them."""
    if not _active(user):
        return False
    if user.is_superuser or user.has_perm("events.change_speaker"):
        return True
    return speaker is not None and speaker.user_id == user.pk


def post_can_import(*, user) -> bool:
    """Who may upload posts that belong to no event (or to any event they organise)."""
    return _active(user) and (user.is_superuser or user.has_perm("events.import_posts"))


def proposal_can_submit(*, user) -> bool:
    return _active(user)
