"""What an event leaves behind: recordings, photos (uploaded and re-encoded, or hosted
elsewhere) and materials (slides, code, notebooks), with their stored files."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import Image

from common.files import files_delete_now, files_delete_on_commit
from common.images import ImageRejected, image_inspect, image_jpeg, image_load
from common.permissions import Actor
from common.uploads import UploadRejected, upload_read
from events.filetypes import KIND_TYPES, TYPE_LABELS, FileRefused, material_check, stored_type
from events.models import Event, Material, Photo, Recording, Talk
from events.services.shared import event_manage_require

PHOTO_LONGEST_SIDE = 2560
THUMB_LONGEST_SIDE = 480


def _check_talk(*, talk: Talk | None, event: Event) -> None:
    if talk is not None and talk.event_id != event.pk:
        raise ValidationError({"talk": _("This talk belongs to another event.")})


def _upload_name(upload: UploadedFile, fallback: str) -> str:
    return Path((upload.name or "").replace("\\", "/")).name or fallback


# --- recordings ------------------------------------------------------------------------

def recording_add(*, actor: Actor, event: Event, title: str, url: str, kind: str = "video",
                  provider: str = "other", access_code: str = "",
                  duration: timedelta | None = None, talk: Talk | None = None) -> Recording:
    event_manage_require(actor=actor, event=event)
    _check_talk(talk=talk, event=event)
    recording = Recording(event=event, talk=talk, title=title, url=url, kind=kind,
                          provider=provider, access_code=access_code, duration=duration)
    recording.full_clean()
    recording.save()
    return recording


def recording_update(*, actor: Actor, recording: Recording, title: str, url: str,
                     kind: str = "video", provider: str = "other", access_code: str = "",
                     duration: timedelta | None = None, talk: Talk | None = None) -> Recording:
    event_manage_require(actor=actor, event=recording.event)
    _check_talk(talk=talk, event=recording.event)
    recording.title, recording.url, recording.kind = title, url, kind
    recording.provider, recording.access_code = provider, access_code
    recording.duration, recording.talk = duration, talk
    recording.full_clean()
    recording.save()
    return recording


def recording_delete(*, actor: Actor, recording: Recording) -> None:
    """Delete a recording's entry (the video or audio itself lives elsewhere)."""
    event_manage_require(actor=actor, event=recording.event)
    recording.delete()


# --- photos ----------------------------------------------------------------------------

@dataclass
class PhotoUploadReport:
    """What a bulk photo upload kept, and each refused file with the reason."""

    saved: list[Photo] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


class PhotoDuplicate(ValueError):
    """The event already holds a photo with the same bytes."""


def _photo_store(*, actor: Actor, event: Event, upload: UploadedFile, caption: str) -> Photo:
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
    with Image.open(io.BytesIO(full)) as stored:  # the header only
        photo.width, photo.height = stored.size
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError as exc:  # the same bytes saved by a parallel upload
        for stored in (photo.image, photo.thumbnail):
            stored.storage.delete(stored.name)
        raise PhotoDuplicate(_("this photo is already in the event's gallery")) from exc
    return photo


def photos_upload(*, actor: Actor, event: Event, uploads: list[UploadedFile],
                  caption: str = "") -> PhotoUploadReport:
    """Bulk upload, each file on its own: a file that is not a usable image, is too
    large, or is already in the gallery is refused with its name and the reason; the
    others are saved (re-encoded without EXIF, longest side at most 2560 px, with a
    480 px thumbnail)."""
    event_manage_require(actor=actor, event=event)
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


def photo_caption_set(*, actor: Actor, photo: Photo, caption: str) -> Photo:
    event_manage_require(actor=actor, event=photo.event)
    photo.caption = caption
    photo.save(update_fields=["caption"])
    return photo


@transaction.atomic
def photo_delete(*, actor: Actor, photo: Photo) -> None:
    """Delete a photo and, once that is committed, its image and thumbnail."""
    event_manage_require(actor=actor, event=photo.event)
    files = [photo.image, photo.thumbnail]
    photo.delete()
    files_delete_on_commit(files=files)


def photo_add_external(*, actor: Actor, event: Event, url: str, caption: str = "") -> Photo:
    """A photo hosted elsewhere (e.g. the images of an imported post). Pages show it as
    an image only where the CSP's img-src allows its host, as a link otherwise."""
    event_manage_require(actor=actor, event=event)
    photo = Photo(event=event, external_url=url, caption=caption, uploaded_by=actor)
    photo.full_clean()
    photo.save()
    return photo


# --- materials -------------------------------------------------------------------------

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


def material_add(*, actor: Actor, event: Event, title: str, kind: str, url: str = "",
                 upload: UploadedFile | None = None, talk: Talk | None = None) -> Material:
    """Slides, code or a notebook: a link, an uploaded file, or both."""
    event_manage_require(actor=actor, event=event)
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
        files_delete_now(files=[material.file])
        raise
    return material


@transaction.atomic
def material_update(*, actor: Actor, material: Material, title: str, kind: str, url: str = "",
                    upload: UploadedFile | None = None, talk: Talk | None = None) -> Material:
    """Change a material; a new upload replaces the stored file (the old one is removed
    from storage once the change is saved). Without an upload the file is kept."""
    event_manage_require(actor=actor, event=material.event)
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
        files_delete_on_commit(files=[material.file])
        _material_store(material=material, upload=upload)
    material.save()
    return material


@transaction.atomic
def material_delete(*, actor: Actor, material: Material) -> None:
    """Delete a material and, once that is committed, its stored file."""
    event_manage_require(actor=actor, event=material.event)
    files = [material.file]
    material.delete()
    files_delete_on_commit(files=files)
