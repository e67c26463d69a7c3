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
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image as PILImage

from common.images import ImageRejected, image_inspect, image_jpeg, image_load
from common.uploads import UploadRejected, upload_read
from events.filetypes import KIND_TYPES, TYPE_LABELS, FileRefused, material_check, stored_type
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
    Venue,
)

logger = logging.getLogger(__name__)

RESERVED_SLUGS = {"new", "calendar", "feed", "posts", "speakers", "tags", "series", "search",
                  "manage", "materials"}


# --- permissions -----------------------------------------------------------------------

def event_can_create(*, user) -> bool:
    return bool(user and user.is_authenticated and
                (user.is_superuser or user.has_perm("events.add_event")))


def event_can_manage(*, user, event: Event) -> bool:
    """Object-level: the user organises this event and holds the organiser role."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return (user.has_perm("events.manage_event")
            and event.organisers.filter(pk=user.pk).exists())


def event_is_visible(*, user, event: Event) -> bool:
    """Anyone sees a published or cancelled event and all it holds; a draft, with its
    talks, files and posts, only those who may manage it (a preview)."""
    return event.is_public or event_can_manage(user=user, event=event)


def _require_manage(*, user, event: Event) -> None:
    if not event_can_manage(user=user, event=event):
        raise PermissionDenied(_("Only the organisers of this event may change it."))


# --- helpers ---------------------------------------------------------------------------

def _unique_slug(*, model, base: str, fallback: str, exclude_pk=None) -> str:
    base = (slugify(base) or fallback)[:100].strip("-") or fallback
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


# --- venues, series, speakers ----------------------------------------------------------

def venue_save(*, name: str, address: str = "", latitude=None, longitude=None,
               directions: str = "", map_url: str = "", venue: Venue | None = None) -> Venue:
    """Create a venue, or update the given one (venues are shared by events)."""
    venue = venue or Venue()
    venue.name, venue.address, venue.directions, venue.map_url = name, address, directions, \
        map_url
    venue.latitude, venue.longitude = latitude, longitude
    venue.full_clean()
    venue.save()
    return venue


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


# --- events ----------------------------------------------------------------------------

EVENT_FIELDS = ("title", "description", "starts_at", "ends_at", "timezone", "capacity",
                "stream_url", "series", "venue")


@transaction.atomic
def event_create(*, actor, title: str, starts_at: datetime, ends_at: datetime,
                 description: str = "", timezone_name: str = settings.TIME_ZONE,
                 capacity: int | None = None, stream_url: str = "", venue: Venue | None = None,
                 series: Series | None = None, tags: list[str] | None = None,
                 slug: str = "", organisers: list | None = None) -> Event:
    """A new draft event; the actor becomes its first organiser."""
    if not event_can_create(user=actor):
        raise PermissionDenied(_("Only organisers may create events."))
    event = Event(
        title=title, description=description, starts_at=starts_at, ends_at=ends_at,
        timezone=_check_timezone(timezone_name), capacity=capacity, stream_url=stream_url,
        venue=venue, series=series, status=Event.Status.DRAFT,
    )
    local = timezone.localtime(starts_at, ZoneInfo(event.timezone))
    event.slug = _unique_slug(model=Event, base=slug or f"{local:%Y-%m-%d} {title}",
                              fallback=f"event-{local:%Y-%m-%d}")
    _event_validate(event=event)
    event.save()
    event.organisers.add(actor, *(organisers or []))
    event.tags.set(tags_get_or_create(names=tags or []))
    return event


def _event_validate(*, event: Event) -> None:
    event.full_clean()
    if event.ends_at <= event.starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})


@transaction.atomic
def event_update(*, actor, event: Event, tags: list[str] | None = None, **fields) -> Event:
    """Change an event's fields; a larger capacity moves people up from the waitlist."""
    _require_manage(user=actor, event=event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(event, name, value)
    _check_timezone(event.timezone)
    _event_validate(event=event)
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
def event_cancel(*, actor, event: Event) -> Event:
    """Cancel an event and tell everyone who answered yes or waits."""
    _require_manage(user=actor, event=event)
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    emails = list(
        event.rsvps.exclude(status=RSVP.Status.CANCELLED).exclude(user__email="")
        .select_related("user")
    )
    for rsvp in emails:
        _email_later(user=rsvp.user, event=event, kind="cancelled")
    return event


@transaction.atomic
def event_copy(*, actor, event: Event, starts_at: datetime, title: str = "") -> Event:
    """The next event of a series: same venue, description, capacity, stream, tags and
    organisers, shifted to a new start; a draft, without talks, RSVPs or media."""
    _require_manage(user=actor, event=event)
    duration = event.ends_at - event.starts_at
    new = event_create(
        actor=actor, title=title or event.title, starts_at=starts_at,
        ends_at=starts_at + duration, description=event.description,
        timezone_name=event.timezone, capacity=event.capacity, stream_url=event.stream_url,
        venue=event.venue, series=event.series,
        tags=[t.name for t in event.tags.all()],
        organisers=list(event.organisers.all()),
    )
    return new


# --- RSVPs and the waitlist -----------------------------------------------------------

def _seats_taken(*, event: Event) -> int:
    return event.rsvps.filter(status=RSVP.Status.GOING, mode=RSVP.Mode.ONSITE).count()


def _email_later(*, user, event: Event, kind: str) -> None:
    """Send a member an email once the transaction commits, in their language."""
    if not user.email:
        return
    url = settings.SITE_URL + event.get_absolute_url()
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE

    def send() -> None:
        with translation.override(language):
            if kind == "promoted":
                subject = _("You have a seat at %(title)s") % {"title": event.title}
                body = _("Good news: a seat became free and it is yours. "
                         "You are now registered for %(title)s on site.\n\n"
                         "If you cannot come, please cancel so the next person can go: "
                         "%(url)s") % {"title": event.title, "url": url}
            else:
                subject = _("%(title)s is cancelled") % {"title": event.title}
                body = _("Sorry: %(title)s is cancelled. Details: %(url)s") % {
                    "title": event.title, "url": url}
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])

    transaction.on_commit(send)


def _waitlist_promote(*, event: Event) -> list[RSVP]:
    """Fill free seats from the waitlist, first come first served. Caller holds the lock."""
    promoted: list[RSVP] = []
    if event.status != Event.Status.PUBLISHED:
        return promoted
    waiting = event.rsvps.filter(status=RSVP.Status.WAITLISTED).select_related("user") \
        .order_by("waitlisted_at", "id")
    free = None if event.capacity is None else event.capacity - _seats_taken(event=event)
    for rsvp in waiting:
        if free is not None and free <= 0:
            break
        rsvp.status = RSVP.Status.GOING
        rsvp.save(update_fields=["status"])
        _email_later(user=rsvp.user, event=event, kind="promoted")
        promoted.append(rsvp)
        if free is not None:
            free -= 1
    return promoted


@transaction.atomic
def rsvp_create(*, event: Event, user, mode: str = RSVP.Mode.ONSITE) -> RSVP:
    """Answer yes, on site or online. On site takes a seat, or joins the waitlist when
    the event is full. The event row is locked, so two people never take the last seat."""
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Log in to RSVP."))
    if mode not in RSVP.Mode.values:
        raise ValidationError(_("Choose on site or online."))
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("This event does not take RSVPs."))
    if event.ends_at <= timezone.now():
        raise ValidationError(_("This event is over."))
    rsvp = RSVP.objects.filter(event=event, user=user).first()
    if rsvp is not None and rsvp.status != RSVP.Status.CANCELLED and rsvp.mode == mode:
        return rsvp
    was_onsite_seat = (rsvp is not None and rsvp.status == RSVP.Status.GOING
                       and rsvp.mode == RSVP.Mode.ONSITE)
    if rsvp is None:
        rsvp = RSVP(event=event, user=user)
    rsvp.mode = mode
    full = (mode == RSVP.Mode.ONSITE and event.capacity is not None
            and _seats_taken(event=event) - int(was_onsite_seat) >= event.capacity)
    if full:
        rsvp.status = RSVP.Status.WAITLISTED
        rsvp.waitlisted_at = timezone.now()
    else:
        rsvp.status = RSVP.Status.GOING
        rsvp.waitlisted_at = None
    try:
        with transaction.atomic():
            rsvp.save()
    except IntegrityError as exc:  # the same member twice at once: the first one wins
        raise ValidationError(_("You have already answered.")) from exc
    if was_onsite_seat and mode == RSVP.Mode.ONLINE:
        _waitlist_promote(event=event)
    return rsvp


@transaction.atomic
def rsvp_cancel(*, event: Event, user) -> RSVP | None:
    """Cancel an answer; a freed seat goes to the first person on the waitlist."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    rsvp = RSVP.objects.filter(event=event, user=user).exclude(
        status=RSVP.Status.CANCELLED).first()
    if rsvp is None:
        return None
    rsvp.status = RSVP.Status.CANCELLED
    rsvp.waitlisted_at = None
    rsvp.save(update_fields=["status", "waitlisted_at"])
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
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise ValidationError({"speakers": _("A talk needs at least one speaker.")})
    return names


@transaction.atomic
def talk_add(*, actor, event: Event, title: str, speaker_names: list[str],
             abstract: str = "", starts_at: datetime | None = None,
             remote: bool = False) -> Talk:
    _require_manage(user=actor, event=event)
    names = _speaker_names(speaker_names)
    talk = Talk(event=event, title=title, abstract=abstract, starts_at=starts_at, remote=remote)
    talk.full_clean()
    talk.save()
    talk.speakers.set([speaker_get_or_create(name=n) for n in names])
    return talk


@transaction.atomic
def talk_update(*, actor, talk: Talk, title: str, speaker_names: list[str],
                abstract: str = "", starts_at: datetime | None = None,
                remote: bool = False) -> Talk:
    """Change a talk; the speakers are replaced by the given names (speakers who no
    longer give it keep their profile and their other talks)."""
    _require_manage(user=actor, event=talk.event)
    names = _speaker_names(speaker_names)
    talk.title, talk.abstract, talk.starts_at, talk.remote = title, abstract, starts_at, remote
    talk.full_clean()
    talk.save()
    talk.speakers.set([speaker_get_or_create(name=n) for n in names])
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

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _guess_language(text: str) -> str:
    return "zh-hans" if len(_CJK.findall(text)) > 20 else "en"


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


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


_DATED_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")


POST_RESERVED_SLUGS = {"import"}
MARKDOWN_SUFFIXES = (".md", ".markdown")


def post_can_import(*, user) -> bool:
    """Who may upload posts that belong to no event (or to any event they organise)."""
    return bool(user and user.is_authenticated and user.is_active
                and (user.is_superuser or user.has_perm("events.import_posts")))


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
