"""Every write of the events app, and the rules behind it.

Keyword-only functions named ``<thing>_<action>``. Writes that change an event take the
acting user and check object-level permission: only the event's organisers (holding the
organiser role's ``events.manage_event``) and superusers may change it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import frontmatter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image as PILImage

from common.images import ImageRejected, image_inspect, image_jpeg, image_load
from common.uploads import UploadRejected, upload_read
from events.filetypes import KIND_TYPES, TYPE_LABELS, FileRefused, material_check, stored_type
from events.models import (
    RSVP,
    Event,
    Mail,
    Material,
    Photo,
    Post,
    Recording,
    Series,
    Speaker,
    Tag,
    Talk,
    TalkSpeaker,
    Venue,
)
from events.rules import (  # noqa: F401 - re-exported: callers use services.event_can_*
    event_can_create,
    event_can_manage,
    event_is_visible,
    post_can_import,
    speaker_can_edit,
    venue_can_edit,
)
from events.services_mail import mail_queue

logger = logging.getLogger(__name__)

RESERVED_SLUGS = {"new", "calendar", "feed", "posts", "speakers", "tags", "series", "search",
                  "manage", "materials", "venues", "proposals", "calendar.ics"}

# Events happen within these bounds: a typo such as year 9999 or 2031 for 2019 is caught.
EARLIEST_EVENT_YEAR = 2000
LATEST_EVENT_AHEAD = timedelta(days=5 * 366)
LONGEST_EVENT = timedelta(days=7)
# A talk's time lies within its event (doors may open a little before the start).
TALK_MARGIN = timedelta(hours=2)


# --- permissions (the rules live in events.rules) --------------------------------------

def _require_manage(*, user, event: Event) -> None:
    if not event_can_manage(user=user, event=event):
        raise PermissionDenied(_("Only the organisers of this event may change it."))


# --- helpers ---------------------------------------------------------------------------

def _unique_slug(*, model, base: str, fallback: str, exclude_pk=None) -> str:
    """A free slug from ``base``; Chinese (any letters) is kept, so a Chinese-only title
    gives a readable slug rather than only its date."""
    base = (slugify(base, allow_unicode=True) or fallback)[:100].strip("-") or fallback
    slug, n = base, 2
    qs = model.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    while slug in RESERVED_SLUGS or qs.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def tags_get_or_create(*, names: list[str]) -> list[Tag]:
    tags = []
    for raw in names:
        name = raw.strip().lstrip("#")
        if not name:
            continue
        slug = slugify(name, allow_unicode=True)[:60] or name[:60]
        tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name[:60]})
        tags.append(tag)
    return tags


def tags_parse(*, value) -> list[str]:
    """Tags as front matter and forms write them: "a b c", "a, b", or a list."""
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part for part in re.split(r"[,\s，]+", str(value)) if part]


def _files_delete_on_commit(*, files: list[FieldFile]) -> None:
    """Remove stored files once the transaction that dropped their rows commits.

    After the commit, never before: a rolled-back delete keeps its files. A file that is
    already gone, or a storage that fails, is logged and does not undo the delete.
    """
    targets = [(f.storage, f.name) for f in files if f and f.name]
    if not targets:
        return

    def delete() -> None:
        for storage, name in targets:
            try:
                storage.delete(name)
            except Exception:  # any storage backend's error: the row is gone anyway
                logger.warning("could not delete stored file %s", name, exc_info=True)

    transaction.on_commit(delete)


def _files_delete_now(*, files: list[FieldFile]) -> None:
    """Remove stored files whose row was never saved."""
    for f in files:
        if f and f.name:
            try:
                f.storage.delete(f.name)
            except Exception:  # any storage backend's error: nothing refers to it
                logger.warning("could not delete stored file %s", f.name, exc_info=True)


def _check_talk(*, talk: Talk | None, event: Event) -> None:
    if talk is not None and talk.event_id != event.pk:
        raise ValidationError({"talk": _("This talk belongs to another event.")})


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"timezone": _("Unknown time zone.")}) from exc
    return name


# --- series, speakers -------------------------------------------------------------------

def series_get_or_create(*, name: str) -> Series:
    series = Series.objects.filter(name=name).first()
    if series is None:
        series = Series.objects.create(
            name=name, slug=_unique_slug(model=Series, base=name, fallback="series"))
    return series


def speaker_get_or_create(*, name: str, user=None, bio: str = "", url: str = "") -> Speaker:
    speaker = Speaker.objects.filter(name=name).first()
    if speaker is None:
        speaker = Speaker(name=name, user=user, bio=bio, url=url,
                          slug=_unique_slug(model=Speaker, base=name, fallback="speaker"))
        speaker.full_clean()
        speaker.save()
    return speaker


SPEAKER_PHOTO_LONGEST_SIDE = 800


@transaction.atomic
def speaker_update(*, actor, speaker: Speaker, name: str, bio: str = "", url: str = "",
                   username: str | None = None, photo: UploadedFile | None = None,
                   photo_clear: bool = False) -> Speaker:
    """Change a speaker's profile. Organisers may link it to an account (by username;
    ``""`` unlinks); a linked member may edit their own profile but not the link. A new
    photo is checked and re-encoded (EXIF-free JPEG, longest side 800 px) and replaces
    the old one, which is removed from storage once the change is committed."""
    if not speaker_can_edit(user=actor, speaker=speaker):
        raise PermissionDenied(_("Only organisers, or the speaker themself, may edit this "
                                 "profile."))
    speaker = Speaker.objects.select_for_update().get(pk=speaker.pk)
    speaker.name, speaker.bio, speaker.url = name.strip(), bio, url
    if username is not None:
        if not speaker_can_edit(user=actor):
            raise PermissionDenied(_("Only organisers may link a speaker to an account."))
        speaker.user = _user_by_username(username) if username.strip() else None
    speaker.full_clean(exclude=["photo"])
    if photo is not None:
        data = _image_upload(upload=photo, field="photo")
        _files_delete_on_commit(files=[speaker.photo])
        speaker.photo.save("speaker.jpg", ContentFile(data), save=False)
    elif photo_clear and speaker.photo:
        _files_delete_on_commit(files=[speaker.photo])
        speaker.photo = ""
    try:
        speaker.save()
    except Exception:
        if photo is not None:
            _files_delete_now(files=[speaker.photo])
        raise
    return speaker


def _user_by_username(username: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise ValidationError({"username": _("No member is called %(name)s.")
                               % {"name": username.strip()}})
    return user


def _image_upload(*, upload: UploadedFile, field: str) -> bytes:
    """An uploaded image as an EXIF-free JPEG (speaker photos)."""
    try:
        data = upload_read(upload)
        image_inspect(data, max_pixels=settings.UPLOAD_MAX_PIXELS)
        image = image_load(data, longest=SPEAKER_PHOTO_LONGEST_SIDE,
                           max_pixels=settings.UPLOAD_MAX_PIXELS)
        return image_jpeg(image, longest=SPEAKER_PHOTO_LONGEST_SIDE)
    except (UploadRejected, ImageRejected) as exc:
        raise ValidationError({field: str(exc)}) from exc
    except Exception as exc:  # noqa: BLE001 - any decoder error: the file is broken
        raise ValidationError({field: _("The image is broken or truncated.")}) from exc


# --- events ----------------------------------------------------------------------------

EVENT_FIELDS = ("title", "title_zh", "description", "description_zh", "starts_at", "ends_at",
                "timezone", "capacity", "stream_url", "series", "venue", "rsvp_deadline",
                "max_guests")


def local_time_check(*, value: datetime, zone: str, field: str) -> datetime:
    """Refuse a wall-clock time that does not exist in ``zone`` (clocks jump forward
    at a daylight-saving change), instead of silently moving it."""
    tz = ZoneInfo(zone)
    naive = value.replace(tzinfo=None) if timezone.is_aware(value) else value
    aware = naive.replace(tzinfo=tz)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        raise ValidationError({field: _(
            "%(time)s does not exist in %(zone)s: the clocks jump forward at that time "
            "(daylight saving). Choose another time, such as %(instead)s.")
            % {"time": f"{naive:%Y-%m-%d %H:%M}", "zone": zone,
               "instead": f"{round_trip:%H:%M}"}})
    return aware


@transaction.atomic
def event_create(*, actor, title: str, starts_at: datetime, ends_at: datetime,
                 description: str = "", timezone_name: str = settings.TIME_ZONE,
                 capacity: int | None = None, stream_url: str = "", venue: Venue | None = None,
                 series: Series | None = None, tags: list[str] | None = None,
                 slug: str = "", organisers: list | None = None,
                 rsvp_deadline: datetime | None = None, max_guests: int = 0,
                 title_zh: str = "", description_zh: str = "") -> Event:
    """A new draft event; the actor becomes its first organiser. ``title`` and
    ``description`` are the English (or only) version, the ``_zh`` ones the Chinese."""
    if not event_can_create(user=actor):
        raise PermissionDenied(_("Only organisers may create events."))
    event = Event(
        title=title, description=description, title_zh=title_zh, description_zh=description_zh,
        starts_at=starts_at, ends_at=ends_at,
        timezone=_check_timezone(timezone_name), capacity=capacity, stream_url=stream_url,
        venue=venue, series=series, status=Event.Status.DRAFT, rsvp_deadline=rsvp_deadline,
        max_guests=max_guests,
    )
    _event_validate(event=event)
    local = timezone.localtime(starts_at, ZoneInfo(event.timezone))
    # the English title reads best in a URL; a Chinese-only event keeps its Chinese
    event.slug = _unique_slug(model=Event, base=slug or f"{local:%Y-%m-%d} {title}",
                              fallback=f"event-{local:%Y-%m-%d}")
    event.save()
    event.organisers.add(actor, *(organisers or []))
    event.tags.set(tags_get_or_create(names=tags or []))
    return event


def _event_validate(*, event: Event) -> None:
    """The fields, then the dates: the end after the start, at most a week long, not
    before 2000 nor more than five years ahead, a deadline before the end; the venue
    must be a current one (an old version stays with the past events that had it)."""
    event.full_clean(exclude=["slug"])
    errors: dict[str, str] = {}
    if event.ends_at <= event.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    elif event.ends_at - event.starts_at > LONGEST_EVENT:
        errors["ends_at"] = _("An event lasts at most a week; check the end date.")
    if event.starts_at.year < EARLIEST_EVENT_YEAR:
        errors["starts_at"] = _("The start is before %(year)s; check the year.") % {
            "year": EARLIEST_EVENT_YEAR}
    elif event.starts_at > timezone.now() + LATEST_EVENT_AHEAD:
        errors["starts_at"] = _("The start is more than five years ahead; check the year.")
    if event.rsvp_deadline is not None and event.rsvp_deadline > event.ends_at:
        errors["rsvp_deadline"] = _("The RSVP deadline must be before the event ends.")
    if event.venue is not None and event.venue.replaced_by_id is not None:
        venue_changed = (event.pk is None or not Event.objects.filter(
            pk=event.pk, venue_id=event.venue_id).exists())
        if venue_changed:
            errors["venue"] = _("This venue was replaced by a newer version; choose that one.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_update(*, actor, event: Event, tags: list[str] | None = None, **fields) -> Event:
    """Change an event's fields; a larger capacity moves people up from the waitlist.
    A talk left outside the new times is refused (move the talk first)."""
    _require_manage(user=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(event, name, value)
    _check_timezone(event.timezone)
    _event_validate(event=event)
    outside = event.talks.exclude(starts_at__isnull=True).exclude(
        starts_at__gte=event.starts_at - TALK_MARGIN, starts_at__lte=event.ends_at)
    if outside.exists():
        raise ValidationError({"starts_at": _(
            "The talk “%(title)s” would be outside the event's new times; change it first.")
            % {"title": outside.first().title}})
    event.save()
    if tags is not None:
        event.tags.set(tags_get_or_create(names=tags))
    _waitlist_promote(event=event)
    return event


def event_publish(*, actor, event: Event) -> Event:
    _require_manage(user=actor, event=event)
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("A cancelled event cannot be published again; copy it instead."))
    event.status = Event.Status.PUBLISHED
    event.published_at = event.published_at or timezone.now()
    event.save(update_fields=["status", "published_at", "updated_at"])
    return event


@transaction.atomic
def event_unpublish(*, actor, event: Event) -> Event:
    """Back to a draft (hidden from everyone but its organisers). Only while nobody has
    answered: an event people count on is cancelled instead, so they are told."""
    _require_manage(user=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Only a published event can go back to being a draft."))
    if event.rsvps.exclude(status=RSVP.Status.CANCELLED).exists():
        raise ValidationError(_("Members have answered: cancel the event instead, so they "
                                "are told."))
    event.status = Event.Status.DRAFT
    event.save(update_fields=["status", "updated_at"])
    return event


def event_cancel_recipients(*, event: Event) -> int:
    """How many members a cancellation would email (for the confirmation page)."""
    return event.rsvps.exclude(status=RSVP.Status.CANCELLED).exclude(user__email="").count()


@transaction.atomic
def event_cancel(*, actor, event: Event) -> tuple[Event, int]:
    """Cancel a published event and email everyone who answered yes or waits, each by
    their own task once the cancellation is committed. Cancelling an event that is
    already cancelled changes nothing and emails nobody. Returns the event and the
    number of emails queued."""
    _require_manage(user=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        return event, 0
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Only a published event can be cancelled; delete a draft "
                                "instead."))
    event.status = Event.Status.CANCELLED
    event.cancelled_at = timezone.now()
    event.save(update_fields=["status", "cancelled_at", "updated_at"])
    queued = 0
    for rsvp in event.rsvps.exclude(status=RSVP.Status.CANCELLED).select_related("user"):
        if mail_queue(user=rsvp.user, event=event, kind=Mail.Kind.CANCELLED):
            queued += 1
    return event, queued


def event_can_delete(*, event: Event) -> bool:
    """A draft, or an event nobody answered: nothing that people count on is lost."""
    return event.status == Event.Status.DRAFT or not event.rsvps.exists()


@transaction.atomic
def event_delete(*, actor, event: Event) -> None:
    """Delete an event with its talks, recordings, materials, photos and summary posts;
    their stored files are removed once that is committed. An event members answered
    is cancelled instead (they are told, and the history stays)."""
    _require_manage(user=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not event_can_delete(event=event):
        raise ValidationError(_("Members have answered this event: cancel it instead."))
    files = []
    for material in event.materials.all():
        files.append(material.file)
    for photo in event.photos.all():
        files += [photo.image, photo.thumbnail]
    event.posts.all().delete()  # a summary without its event would become public
    event.delete()
    _files_delete_on_commit(files=files)


@transaction.atomic
def event_copy(*, actor, event: Event, starts_at: datetime, title: str = "") -> Event:
    """The next event of a series: same venue (its current version), description,
    capacity, guests, stream, tags and organisers, shifted to a new start; a draft,
    without talks, RSVPs or media."""
    _require_manage(user=actor, event=event)
    duration = event.ends_at - event.starts_at
    from events.services_venues import venue_current

    new = event_create(
        actor=actor, title=title or event.title, starts_at=starts_at,
        ends_at=starts_at + duration, description=event.description,
        title_zh=event.title_zh if title in ("", event.title) else "",
        description_zh=event.description_zh,
        timezone_name=event.timezone, capacity=event.capacity, stream_url=event.stream_url,
        venue=venue_current(venue=event.venue) if event.venue else None, series=event.series,
        tags=[t.name for t in event.tags.all()], max_guests=event.max_guests,
        organisers=list(event.organisers.all()),
    )
    return new


@transaction.atomic
def event_organiser_add(*, actor, event: Event, username: str):
    """Add an organiser by username; they must hold the organiser role."""
    _require_manage(user=actor, event=event)
    user = _user_by_username(username)
    if not (user.is_superuser or user.has_perm("events.manage_event")):
        raise ValidationError({"username": _("%(name)s does not have the organiser role.")
                               % {"name": user.get_username()}})
    event.organisers.add(user)
    return user


@transaction.atomic
def event_organiser_remove(*, actor, event: Event, user) -> None:
    """Remove an organiser; an event always keeps at least one."""
    _require_manage(user=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not event.organisers.filter(pk=user.pk).exists():
        return
    if event.organisers.count() <= 1:
        raise ValidationError(_("An event needs at least one organiser."))
    event.organisers.remove(user)


# --- RSVPs and the waitlist -----------------------------------------------------------

def _seats_taken(*, event: Event) -> int:
    going = event.rsvps.filter(status=RSVP.Status.GOING, mode=RSVP.Mode.ONSITE)
    return going.aggregate(n=Coalesce(Sum(F("guests") + 1), 0))["n"]


def _seats_free(*, event: Event) -> int | None:
    if event.capacity is None:
        return None
    return event.capacity - _seats_taken(event=event)


def _waitlist_promote(*, event: Event) -> list[RSVP]:
    """Fill free seats from the waitlist in order (members waiting, and members going
    online who asked for a seat); a party too large for the seats left waits, and the
    next one that fits goes. The caller holds the event's lock."""
    promoted: list[RSVP] = []
    if event.status != Event.Status.PUBLISHED or event.ends_at <= timezone.now():
        return promoted
    waiting = (event.rsvps.filter(Q(status=RSVP.Status.WAITLISTED)
                                  | Q(status=RSVP.Status.GOING, wants_onsite=True))
               .select_related("user").order_by("waitlisted_at", "id"))
    free = _seats_free(event=event)
    for rsvp in waiting:
        if free is not None and free < rsvp.seats:
            continue
        rsvp.status, rsvp.mode, rsvp.wants_onsite = RSVP.Status.GOING, RSVP.Mode.ONSITE, False
        rsvp.waitlisted_at = None
        rsvp.save(update_fields=["status", "mode", "wants_onsite", "waitlisted_at",
                                 "updated_at"])
        mail_queue(user=rsvp.user, event=event, kind=Mail.Kind.PROMOTED)
        promoted.append(rsvp)
        if free is not None:
            free -= rsvp.seats
    return promoted


def rsvp_open(*, event: Event, now: datetime | None = None) -> bool:
    """Whether the event takes new answers now (published, before the deadline, or
    before the start when it has none)."""
    now = now or timezone.now()
    deadline = event.rsvp_deadline or event.starts_at
    return event.status == Event.Status.PUBLISHED and now < deadline and now < event.ends_at


@transaction.atomic
def rsvp_create(*, event: Event, user, mode: str = RSVP.Mode.ONSITE, guests: int = 0,
                language: str = "") -> RSVP:
    """Answer yes, or change an answer: on site or online, with guests (+N).

    On site takes a seat for the member and their guests, or joins the waitlist when
    there are not enough. Switching keeps what the member has: on site → online gives
    the seat to the waitlist; online → on site takes a seat if there is one, and
    otherwise keeps the member going online while they wait for a seat. More guests
    than seats left are refused and the answer stays as it was. The event row is
    locked, so two people never take the last seat. After the deadline, members can
    still cancel or switch to online, nothing else.
    """
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Log in to RSVP."))
    if mode not in RSVP.Mode.values:
        raise ValidationError(_("Choose on site or online."))
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("This event does not take RSVPs."))
    now = timezone.now()
    if event.ends_at <= now:
        raise ValidationError(_("This event is over."))
    if mode == RSVP.Mode.ONLINE:
        guests = 0  # guests take seats; online places are unlimited
    if guests < 0 or guests > event.max_guests:
        raise ValidationError({"guests": ngettext(
            "You may bring at most %(n)s guest.", "You may bring at most %(n)s guests.",
            event.max_guests) % {"n": event.max_guests} if event.max_guests
            else _("This event takes no guests.")})
    rsvp = RSVP.objects.filter(event=event, user=user).first()
    active = rsvp is not None and rsvp.is_active
    if (active and rsvp.mode == mode and rsvp.guests == guests
            and not (mode == RSVP.Mode.ONLINE and rsvp.wants_onsite)):
        return rsvp
    opening = not active or (mode == RSVP.Mode.ONSITE and (
        rsvp.mode != RSVP.Mode.ONSITE or guests > rsvp.guests))
    if opening and not rsvp_open(event=event, now=now):
        raise ValidationError(_("RSVPs for this event are closed."))
    if rsvp is None:
        rsvp = RSVP(event=event, user=user)
    if language and language in dict(settings.LANGUAGES):
        rsvp.language = language
    held = rsvp.seats if (active and rsvp.status == RSVP.Status.GOING
                          and rsvp.mode == RSVP.Mode.ONSITE) else 0
    free = _seats_free(event=event)
    fits = free is None or free + held >= 1 + guests
    kind = None
    if mode == RSVP.Mode.ONLINE:
        was = rsvp.status if active else None
        rsvp.mode, rsvp.guests, rsvp.status = RSVP.Mode.ONLINE, 0, RSVP.Status.GOING
        rsvp.wants_onsite, rsvp.waitlisted_at = False, None
        kind = Mail.Kind.CONFIRMED if was != RSVP.Status.GOING or held else None
    elif held:  # already seated on site: a change of guests
        if not fits:
            raise ValidationError({"guests": _(
                "Only %(n)s seats are left: your answer is unchanged.")
                % {"n": max(free + held - 1, 0)}})
        rsvp.guests = guests
    elif fits:
        rsvp.mode, rsvp.guests, rsvp.status = RSVP.Mode.ONSITE, guests, RSVP.Status.GOING
        rsvp.wants_onsite, rsvp.waitlisted_at = False, None
        kind = Mail.Kind.CONFIRMED
    elif active and rsvp.status == RSVP.Status.GOING:  # online, asks for a seat: waits
        rsvp.guests, rsvp.wants_onsite = guests, True
        rsvp.waitlisted_at = rsvp.waitlisted_at or now
    else:
        waiting = active and rsvp.status == RSVP.Status.WAITLISTED
        rsvp.mode, rsvp.guests, rsvp.status = RSVP.Mode.ONSITE, guests, RSVP.Status.WAITLISTED
        rsvp.wants_onsite = False
        rsvp.waitlisted_at = rsvp.waitlisted_at if waiting else now  # keeps their place
        kind = None if waiting else Mail.Kind.WAITLISTED
    try:
        with transaction.atomic():
            rsvp.save()
    except IntegrityError as exc:  # the same member twice at once: the first one wins
        raise ValidationError(_("You have already answered.")) from exc
    if kind is not None:
        mail_queue(user=user, event=event, kind=kind)
    _waitlist_promote(event=event)
    rsvp.refresh_from_db()
    return rsvp


@transaction.atomic
def rsvp_cancel(*, event: Event, user) -> RSVP | None:
    """Cancel an answer; freed seats go to the waitlist."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    rsvp = RSVP.objects.filter(event=event, user=user).exclude(
        status=RSVP.Status.CANCELLED).first()
    if rsvp is None:
        return None
    rsvp.status = RSVP.Status.CANCELLED
    rsvp.waitlisted_at, rsvp.wants_onsite, rsvp.guests = None, False, 0
    rsvp.save(update_fields=["status", "waitlisted_at", "wants_onsite", "guests",
                             "updated_at"])
    _waitlist_promote(event=event)
    return rsvp


# --- attendance ------------------------------------------------------------------------

def attendance_check_in(*, actor, event: Event, rsvp: RSVP, present: bool = True) -> RSVP:
    """Record that a member came (on site or online)."""
    _require_manage(user=actor, event=event)
    if rsvp.event_id != event.pk:
        raise ValidationError(_("This RSVP belongs to another event."))
    if present and rsvp.status == RSVP.Status.CANCELLED:
        raise ValidationError(_("This member cancelled."))
    rsvp.checked_in_at = timezone.now() if present else None
    if present and rsvp.status == RSVP.Status.WAITLISTED:
        rsvp.status = RSVP.Status.GOING  # they came anyway: count them
    rsvp.save(update_fields=["checked_in_at", "status"])
    return rsvp


def attendance_walk_ins_set(*, actor, event: Event, onsite: int, online: int) -> Event:
    """People counted at the door (or in the stream) who never registered."""
    _require_manage(user=actor, event=event)
    if onsite < 0 or online < 0:
        raise ValidationError(_("Counts cannot be negative."))
    event.walk_ins_onsite, event.walk_ins_online = onsite, online
    event.save(update_fields=["walk_ins_onsite", "walk_ins_online", "updated_at"])
    return event


# --- talks -----------------------------------------------------------------------------

def _speaker_names(names: list[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = name.strip()
        if name and name not in seen:
            seen.append(name)
    if not seen:
        raise ValidationError({"speakers": _("A talk needs at least one speaker.")})
    return seen


def _talk_time_check(*, starts_at: datetime | None, event: Event) -> None:
    """A talk's time lies within its event (from two hours before its start)."""
    if starts_at is None:
        return
    if not (event.starts_at - TALK_MARGIN <= starts_at <= event.ends_at):
        zone = ZoneInfo(event.timezone)
        raise ValidationError({"starts_at": _(
            "The talk's time must be within the event (%(start)s – %(end)s).")
            % {"start": f"{timezone.localtime(event.starts_at, zone):%Y-%m-%d %H:%M}",
               "end": f"{timezone.localtime(event.ends_at, zone):%Y-%m-%d %H:%M}"}})


def _lineup_set(*, talk: Talk, names: list[str], remote: set[str]) -> None:
    """The talk's speakers in this order, each remote or not."""
    speakers = [speaker_get_or_create(name=n) for n in names]
    talk.talk_speakers.exclude(speaker__in=speakers).delete()
    for position, speaker in enumerate(speakers):
        TalkSpeaker.objects.update_or_create(
            talk=talk, speaker=speaker,
            defaults={"position": position, "remote": speaker.name in remote})


@transaction.atomic
def talk_add(*, actor, event: Event, title: str, speaker_names: list[str],
             abstract: str = "", starts_at: datetime | None = None,
             remote_speakers: list[str] | tuple = (), title_zh: str = "",
             abstract_zh: str = "") -> Talk:
    """A talk with its speakers in order; ``remote_speakers`` names those of them who
    join remotely. ``title``/``abstract`` in English (or the only version), the ``_zh``
    ones in Chinese."""
    _require_manage(user=actor, event=event)
    names = _speaker_names(speaker_names)
    _talk_time_check(starts_at=starts_at, event=event)
    talk = Talk(event=event, title=title, abstract=abstract, starts_at=starts_at,
                title_zh=title_zh, abstract_zh=abstract_zh)
    talk.full_clean()
    talk.save()
    _lineup_set(talk=talk, names=names, remote={n.strip() for n in remote_speakers})
    return talk


@transaction.atomic
def talk_update(*, actor, talk: Talk, title: str, speaker_names: list[str],
                abstract: str = "", starts_at: datetime | None = None,
                remote_speakers: list[str] | tuple = (), title_zh: str = "",
                abstract_zh: str = "") -> Talk:
    """Change a talk; the speakers become the given names in this order (speakers who
    no longer give it keep their profile and their other talks)."""
    _require_manage(user=actor, event=talk.event)
    names = _speaker_names(speaker_names)
    _talk_time_check(starts_at=starts_at, event=talk.event)
    talk.title, talk.abstract, talk.starts_at = title, abstract, starts_at
    talk.title_zh, talk.abstract_zh = title_zh, abstract_zh
    talk.full_clean()
    talk.save()
    _lineup_set(talk=talk, names=names, remote={n.strip() for n in remote_speakers})
    return talk


@transaction.atomic
def talk_delete(*, actor, talk: Talk) -> None:
    """Delete a talk. Its recordings and materials stay with the event, without the talk;
    its speakers keep their profiles."""
    _require_manage(user=actor, event=talk.event)
    talk.delete()


# --- recordings ------------------------------------------------------------------------

def recording_add(*, actor, event: Event, title: str, url: str, kind: str = "video",
                  provider: str = "other", access_code: str = "",
                  duration: timedelta | None = None, talk: Talk | None = None) -> Recording:
    _require_manage(user=actor, event=event)
    _check_talk(talk=talk, event=event)
    recording = Recording(event=event, talk=talk, title=title, url=url, kind=kind,
                          provider=provider, access_code=access_code, duration=duration)
    recording.full_clean()
    recording.save()
    return recording


def recording_update(*, actor, recording: Recording, title: str, url: str,
                     kind: str = "video", provider: str = "other", access_code: str = "",
                     duration: timedelta | None = None, talk: Talk | None = None) -> Recording:
    _require_manage(user=actor, event=recording.event)
    _check_talk(talk=talk, event=recording.event)
    recording.title, recording.url, recording.kind = title, url, kind
    recording.provider, recording.access_code = provider, access_code
    recording.duration, recording.talk = duration, talk
    recording.full_clean()
    recording.save()
    return recording


def recording_delete(*, actor, recording: Recording) -> None:
    """Delete a recording's entry (the video or audio itself lives elsewhere)."""
    _require_manage(user=actor, event=recording.event)
    recording.delete()


# --- uploads ---------------------------------------------------------------------------

PHOTO_LONGEST_SIDE = 2560
THUMB_LONGEST_SIDE = 480


def _check_size(*, upload: UploadedFile) -> None:
    if upload.size is not None and upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is too large: %(size)s bytes, the limit is %(limit)s bytes.")
            % {"name": upload.name, "size": upload.size, "limit": settings.UPLOAD_MAX_BYTES})


def _upload_name(upload: UploadedFile, fallback: str) -> str:
    return Path((upload.name or "").replace("\\", "/")).name or fallback


@dataclass
class PhotoUploadReport:
    """What a bulk photo upload kept, and each refused file with the reason."""

    saved: list[Photo] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


class PhotoDuplicate(ValueError):
    """The event already holds a photo with the same bytes."""


def _photo_store(*, actor, event: Event, upload: UploadedFile, caption: str) -> Photo:
    """Check one upload and save it as an EXIF-free JPEG with a thumbnail.

    The size is checked before the bytes are read and the pixel count before anything is
    decoded; a JPEG is decoded only at the scale the stored image needs.
    """
    data = upload_read(upload)
    digest = hashlib.sha256(data).hexdigest()
    if event.photos.filter(sha256=digest).exists():
        raise PhotoDuplicate(_("this photo is already in the event's gallery"))
    image_inspect(data, max_pixels=settings.UPLOAD_MAX_PIXELS)
    try:
        image = image_load(data, longest=PHOTO_LONGEST_SIDE,
                           max_pixels=settings.UPLOAD_MAX_PIXELS)
        full = image_jpeg(image, longest=PHOTO_LONGEST_SIDE)
        thumb = image_jpeg(image, longest=THUMB_LONGEST_SIDE)
    except ImageRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder error: the file is broken
        raise ImageRejected(_("The image is broken or truncated.")) from exc
    del data, image
    photo = Photo(event=event, caption=caption, uploaded_by=actor, sha256=digest)
    photo.image.save("photo.jpg", ContentFile(full), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(thumb), save=False)
    with PILImage.open(io.BytesIO(full)) as stored:  # the header only
        photo.width, photo.height = stored.size
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError as exc:  # the same bytes saved by a parallel upload
        for stored in (photo.image, photo.thumbnail):
            stored.storage.delete(stored.name)
        raise PhotoDuplicate(_("this photo is already in the event's gallery")) from exc
    return photo


def photos_upload(*, actor, event: Event, uploads: list[UploadedFile],
                  caption: str = "") -> PhotoUploadReport:
    """Bulk upload, each file on its own: a file that is not a usable image, is too
    large, or is already in the gallery is refused with its name and the reason; the
    others are saved (re-encoded without EXIF, longest side at most 2560 px, with a
    480 px thumbnail)."""
    _require_manage(user=actor, event=event)
    if not uploads:
        raise ValidationError(_("Choose at least one photo."))
    report = PhotoUploadReport()
    for upload in uploads:
        name = _upload_name(upload, "photo")
        try:
            photo = _photo_store(actor=actor, event=event, upload=upload, caption=caption)
        except (UploadRejected, ImageRejected, PhotoDuplicate) as exc:
            report.refused.append((name, str(exc)))
        else:
            report.saved.append(photo)
    return report


def photo_caption_set(*, actor, photo: Photo, caption: str) -> Photo:
    _require_manage(user=actor, event=photo.event)
    photo.caption = caption
    photo.save(update_fields=["caption"])
    return photo


@transaction.atomic
def photo_delete(*, actor, photo: Photo) -> None:
    """Delete a photo and, once that is committed, its image and thumbnail."""
    _require_manage(user=actor, event=photo.event)
    files = [photo.image, photo.thumbnail]
    photo.delete()
    _files_delete_on_commit(files=files)


def photo_add_external(*, actor, event: Event, url: str, caption: str = "") -> Photo:
    """A photo hosted elsewhere (e.g. the images of an imported post). Pages show it as
    an image only where the CSP's img-src allows its host, as a link otherwise."""
    _require_manage(user=actor, event=event)
    photo = Photo(event=event, external_url=url, caption=caption, uploaded_by=actor)
    photo.full_clean()
    photo.save()
    return photo


def _material_store(*, material: Material, upload: UploadedFile) -> None:
    """Check an uploaded file by its content (:mod:`events.filetypes`) and store it on
    the material under an unguessable name; a notebook makes the material a notebook."""
    name = _upload_name(upload, "file")
    try:
        checked = material_check(data=upload_read(upload), name=name, kind=material.kind)
    except UploadRejected as exc:
        raise ValidationError({"file": f"{name}: {exc}"}) from exc
    except FileRefused as exc:
        raise ValidationError({"file": str(exc)}) from exc
    material.kind = checked.kind or material.kind
    material.filename = checked.download_name
    material.file.save(f"material.{checked.extension}", ContentFile(checked.data), save=False)


def _check_stored_kind(*, material: Material) -> None:
    """Without a new upload, the stored file must suit the (new) kind."""
    stored = stored_type(material.file.name)
    if stored == "ipynb":
        material.kind = Material.Kind.NOTEBOOK
    elif stored is not None and stored not in KIND_TYPES.get(material.kind, ()):
        raise ValidationError({"kind": _("The stored file is %(type)s, which is not "
                                         "accepted as %(kind)s.")
                               % {"type": TYPE_LABELS[stored],
                                  "kind": material.get_kind_display()}})
    elif stored is None and material.kind == Material.Kind.NOTEBOOK:
        raise ValidationError({"kind": _("A notebook file must end in .ipynb.")})


def material_add(*, actor, event: Event, title: str, kind: str, url: str = "",
                 upload: UploadedFile | None = None, talk: Talk | None = None) -> Material:
    """Slides, code or a notebook: a link, an uploaded file, or both."""
    _require_manage(user=actor, event=event)
    _check_talk(talk=talk, event=event)
    if not url and upload is None:
        raise ValidationError(_("Give a link or upload a file."))
    material = Material(event=event, talk=talk, title=title, kind=kind, url=url)
    material.full_clean(exclude=["file", "filename"])
    if upload is not None:
        _material_store(material=material, upload=upload)
    try:
        with transaction.atomic():
            material.save()
    except Exception:
        _files_delete_now(files=[material.file])
        raise
    return material


@transaction.atomic
def material_update(*, actor, material: Material, title: str, kind: str, url: str = "",
                    upload: UploadedFile | None = None, talk: Talk | None = None) -> Material:
    """Change a material; a new upload replaces the stored file (the old one is removed
    from storage once the change is saved). Without an upload the file is kept."""
    _require_manage(user=actor, event=material.event)
    _check_talk(talk=talk, event=material.event)
    if not url and upload is None and not material.file:
        raise ValidationError(_("Give a link or upload a file."))
    material.title, material.kind, material.url, material.talk = title, kind, url, talk
    if upload is None and material.file:
        _check_stored_kind(material=material)
    material.full_clean(exclude=["file", "filename"])
    if upload is not None:
        # the old file's name is taken now, before the new file replaces it; a refused
        # upload rolls the transaction back, and the old file stays
        _files_delete_on_commit(files=[material.file])
        _material_store(material=material, upload=upload)
    material.save()
    return material


@transaction.atomic
def material_delete(*, actor, material: Material) -> None:
    """Delete a material and, once that is committed, its stored file."""
    _require_manage(user=actor, event=material.event)
    files = [material.file]
    material.delete()
    _files_delete_on_commit(files=files)


# --- posts -----------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_NOT_PROSE = re.compile(r"```.*?```|`[^`]*`|\]\([^)]*\)|https?://\S+|<[^>]+>", re.S)


def _guess_language(text: str) -> str:
    """Chinese when the prose (without code, link targets and tags) holds at least as
    many Chinese characters as English words; a short Chinese post counts too."""
    prose = _NOT_PROSE.sub(" ", text)
    chinese = len(_CJK.findall(prose))
    return "zh-hans" if chinese and chinese >= len(_LATIN_WORD.findall(prose)) else "en"


@transaction.atomic
def post_save(*, actor, title: str, body: str, description: str = "", author: str = "",
              categories: list[str] | None = None, tags: list[str] | None = None,
              language: str = "", event: Event | None = None, slug: str = "",
              published_at: datetime | None = None, post: Post | None = None) -> Post:
    """Create or edit a summary post; a post about an event needs that event's organiser."""
    if event is not None:
        _require_manage(user=actor, event=event)
    elif not (actor and (actor.is_superuser or actor.has_perm("events.add_post"))):
        raise PermissionDenied(_("Only organisers may write posts."))
    post = post or Post()
    if post.pk and post.event_id and post.event_id != getattr(event, "pk", None):
        _require_manage(user=actor, event=post.event)
    post.title, post.body, post.description, post.author = title, body, description, author
    post.categories = categories or []
    post.language = language or _guess_language(body)
    post.event = event
    post.published_at = published_at or post.published_at or timezone.now()
    if not post.slug:
        post.slug = _unique_slug(model=Post, base=slug or title,
                                 fallback=f"post-{post.published_at:%Y-%m-%d}")
    post.full_clean()
    post.save()
    post.tags.set(tags_get_or_create(names=tags or []))
    return post


def _require_post_edit(*, actor, post: Post) -> None:
    if post.event_id is not None:
        _require_manage(user=actor, event=post.event)
    elif not (actor and (actor.is_superuser or actor.has_perm("events.change_post"))):
        raise PermissionDenied(_("Only organisers may write posts."))


@transaction.atomic
def post_translation_link(*, actor, post: Post, other: Post | None) -> Post:
    """Make ``other`` the version of ``post`` in the other language, both ways (``None``
    unlinks). Each post has at most one translation; older links are undone."""
    _require_post_edit(actor=actor, post=post)
    if other is not None:
        _require_post_edit(actor=actor, post=other)
        if other.pk == post.pk or other.language == post.language:
            raise ValidationError({"translation": _(
                "A translation is a post in the other language.")})
    ids = [post.pk] + ([other.pk] if other is not None else [])
    Post.objects.filter(translation_id__in=ids).update(translation=None)
    Post.objects.filter(pk__in=ids).update(translation=None)
    if other is not None:
        Post.objects.filter(pk=post.pk).update(translation=other)
        Post.objects.filter(pk=other.pk).update(translation=post)
    post.refresh_from_db()
    return post


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


_DATED_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


POST_RESERVED_SLUGS = {"import"}
MARKDOWN_SUFFIXES = (".md", ".markdown")


def post_import_text(*, text: str, name: str, actor=None,
                     event: Event | None = None) -> tuple[Post, bool]:
    """Import one Markdown file with YAML front matter; idempotent by slug.

    The slug is the front matter's ``slug`` or the file name (a Jekyll date prefix
    ``YYYY-MM-DD-`` gives the publication date). Images keep their URLs. Returns the
    post and whether it was created. Problems with the file raise ``ValueError``.

    Without ``actor`` (``manage.py import_posts``) the operator is trusted. With an
    ``actor`` (an upload on the site) the post's event, whether ``event`` (which wins
    over the front matter's ``event:``) or the one the existing post already has, must be
    one the actor organises, and a post of no event needs ``events.import_posts``.
    """
    try:
        doc = frontmatter.loads(text)
    except Exception as exc:  # YAML errors come in many types
        raise ValueError(_("the front matter is not valid YAML: %(error)s")
                         % {"error": exc}) from exc
    meta = doc.metadata
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ValueError(_("the front matter has no title"))
    stem = Path(name).stem
    published_at = None
    match = _DATED_NAME.match(stem)
    raw_date = meta.get("date")
    if raw_date:
        if isinstance(raw_date, datetime):
            published_at = raw_date
        else:
            try:
                published_at = datetime.fromisoformat(str(raw_date))
            except ValueError as exc:
                raise ValueError(_("the date %(date)r is not a date")
                                 % {"date": raw_date}) from exc
    elif match:
        published_at = datetime(int(match[1]), int(match[2]), int(match[3]), 12)
    if published_at is not None and timezone.is_naive(published_at):
        published_at = timezone.make_aware(published_at, ZoneInfo(settings.TIME_ZONE))
    slug = slugify(str(meta.get("slug") or stem))[:160]
    if not slug or slug in POST_RESERVED_SLUGS:
        raise ValueError(_("cannot make a slug from the file name; add `slug:` to the "
                           "front matter"))
    if event is None and meta.get("event"):
        event = Event.objects.filter(slug=str(meta["event"])).first()
    language = str(meta.get("lang") or meta.get("language") or "") or _guess_language(doc.content)
    if language not in dict(settings.LANGUAGES):
        language = _guess_language(doc.content)
    with transaction.atomic():
        post, created = Post.objects.select_for_update().get_or_create(
            slug=slug, defaults={"title": title, "body": doc.content,
                                 "published_at": published_at or timezone.now()})
        if actor is not None:
            _require_import(actor=actor, event=event or post.event)
            if post.event_id and post.event_id != getattr(event, "pk", post.event_id):
                _require_import(actor=actor, event=post.event)
        post.title = title
        post.description = str(meta.get("description") or "")[:300]
        post.author = str(meta.get("author") or "")[:120]
        post.categories = tags_parse(value=meta.get("categories"))
        post.body = doc.content
        post.language = language
        post.event = event or post.event
        if published_at is not None:
            post.published_at = published_at
        post.full_clean()
        post.save()
        post.tags.set(tags_get_or_create(names=tags_parse(value=meta.get("tags"))))
        other_slug = str(meta.get("translation") or "").strip()
        other = Post.objects.filter(slug=other_slug).first() if other_slug else None
        if other is not None and other.language != post.language:
            # the other version may be imported first or second: whichever comes later links
            if actor is not None:
                post_translation_link(actor=actor, post=post, other=other)
            else:
                Post.objects.filter(translation_id__in=[post.pk, other.pk]).update(
                    translation=None)
                Post.objects.filter(pk=post.pk).update(translation=other)
                Post.objects.filter(pk=other.pk).update(translation=post)
    return post, created


def _require_import(*, actor, event: Event | None) -> None:
    if event is not None:
        if not event_can_manage(user=actor, event=event):
            raise PermissionDenied(
                _("only the organisers of %(event)s may import its posts")
                % {"event": event.title})
    elif not post_can_import(user=actor):
        raise PermissionDenied(_("only organisers may import posts"))


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def posts_import_uploads(*, actor, uploads: list[UploadedFile],
                         event: Event | None = None) -> ImportReport:
    """Import Markdown files uploaded on the site, each on its own: a file that cannot be
    read, or that the actor may not import, is reported by name and the rest go on.

    With ``event`` (the upload form of an event's manage page) every post belongs to
    that event and the actor must organise it; otherwise the actor needs
    ``events.import_posts``.
    """
    if event is not None:
        _require_manage(user=actor, event=event)
    elif not post_can_import(user=actor):
        raise PermissionDenied(_("Only organisers may import posts."))
    if not uploads:
        raise ValidationError(_("Choose at least one Markdown file."))
    report = ImportReport()
    for upload in uploads:
        name = Path(upload.name or "").name
        try:
            if not name.lower().endswith(MARKDOWN_SUFFIXES):
                raise ValueError(_("not a Markdown file (.md)"))
            _check_size(upload=upload)
            upload.seek(0)
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ValueError(_("the file is not UTF-8 text")) from exc
            post, created = post_import_text(text=text, name=name, actor=actor, event=event)
        except (OSError, ValueError, ValidationError, PermissionDenied) as exc:
            report.failed.append((name, _error_text(exc)))
            continue
        (report.created if created else report.updated).append(post.slug)
    return report


def posts_import_files(*, paths: list[str | Path]) -> ImportReport:
    """Import many files; a file that cannot be read is reported and the rest go on."""
    report = ImportReport()
    for path in paths:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            post, created = post_import_text(text=text, name=path.name)
        except (OSError, UnicodeDecodeError, ValueError, ValidationError) as exc:
            report.failed.append((str(path), _error_text(exc)))
            continue
        (report.created if created else report.updated).append(post.slug)
    return report
