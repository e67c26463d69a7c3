"""Submitting photos (alone or with their sighting) and their derivatives.

A submitted photo gets its identification job (:mod:`dois.services.jobs`) once the
transaction commits.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.images import EXTENSIONS
from common.permissions import Actor, perm_require
from common.uploads import image_upload_check
from dois import images as renderings
from dois.models import IdentificationJob, Individual, Photo, Sighting
from dois.rules import user_is_researcher
from dois.services.catalogue import EVAL_PERCENT, individual_resolve, sighting_create
from dois.services.jobs import identification_job_create, identification_jobs_send_on_commit

logger = logging.getLogger(__name__)

# --- photos ---------------------------------------------------------------------------


def photo_split_for(*, sha256: str) -> str:
    """Train or eval, decided once by the file's hash: stable as the catalogue grows."""
    return (Photo.Split.EVAL if int(sha256[:8], 16) % 100 < EVAL_PERCENT
            else Photo.Split.TRAIN)


def photo_crop_normalise(*, crop, width: int, height: int,
                         fractions: bool = False) -> tuple[int, int, int, int]:
    """Crop box ``(x, y, w, h)`` in pixels, from pixels, or from fractions of the image
    with ``fractions`` (each 0 to 1); None or empty: the whole image.

    Which unit is meant is always said by the caller (the upload page's box is in
    fractions, the API's in pixels), never guessed from the values.
    """
    if crop is None or (isinstance(crop, (list, tuple)) and not crop):
        return 0, 0, width, height
    try:
        x, y, w, h = (float(v) for v in crop)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"crop": _("The crop box needs four numbers: x, y, width, "
                                         "height.")}) from exc
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise ValidationError({"crop": _("The crop box needs four finite numbers: x, y, "
                                         "width, height.")})
    if fractions:
        if not all(0 <= v <= 1 for v in (x, y, w, h)):
            raise ValidationError({"crop": _("The crop box is given as fractions of the "
                                             "image: each number is 0 to 1.")})
        x, w = x * width, w * width
        y, h = y * height, h * height
    if min(x, y, w, h) < 0:
        raise ValidationError({"crop": _("The crop box must lie inside the image and be "
                                         "at least 8 pixels wide and high.")})
    left, top = max(0, round(x)), max(0, round(y))
    right, bottom = min(width, round(x + w)), min(height, round(y + h))
    if right - left < 8 or bottom - top < 8:
        raise ValidationError({"crop": _("The crop box must lie inside the image and be "
                                         "at least 8 pixels wide and high.")})
    return left, top, right - left, bottom - top


@dataclass
class PhotoOptions:
    """What the volunteer says about one file.

    ``problems`` holds what could not be understood of it (by field, a message each),
    e.g. an unknown catalogue code: the file is then refused with those messages
    rather than saved with a silently changed value.
    """

    crop: tuple | list | None = None
    crop_fractions: bool = False  # the box is in fractions of the image (else pixels)
    side: str = Photo.Side.UNKNOWN
    proposed_individual: Individual | None = None
    quality: int | None = None
    is_public: bool = True
    problems: dict[str, str] = field(default_factory=dict)


def photo_submit(*, sighting: Sighting, upload, actor: Actor,
                 options: PhotoOptions | None = None, send: bool = True
                 ) -> tuple[Photo, IdentificationJob | None]:
    """Check and save one photo of ``sighting`` and queue its identification (sent after
    commit; ``send=False``: the caller sends the job).

    Raises ``ValidationError`` (``{"image": [...]}``, ``{"crop": ...}``, ``{"side": ...}``,
    ``{"guess": ...}``) for this file. The original is stored under an unguessable name.
    """
    perm_require(user=actor, perm="dois.submit_photo")
    options = options or PhotoOptions()
    if options.problems:
        raise ValidationError(dict(options.problems))
    name = getattr(upload, "name", "") or "photo"
    if options.side not in Photo.Side.values:
        raise ValidationError({"side": _("Choose left, right or unknown.")})
    if options.quality is not None and not 1 <= int(options.quality) <= 5:
        raise ValidationError({"quality": _("The quality grade is 1 to 5.")})
    # size before reading, pixels before decoding (common.uploads)
    data, info = image_upload_check(upload, field="image")
    sha256 = hashlib.sha256(data).hexdigest()
    if Photo.objects.filter(sha256=sha256).exists():
        raise ValidationError({"image": _("This photo was already uploaded.")})
    x, y, w, h = photo_crop_normalise(crop=options.crop, width=info.width,
                                      height=info.height, fractions=options.crop_fractions)
    taken_at = (timezone.make_aware(info.taken_at) if info.taken_at else None)
    proposed = options.proposed_individual
    if proposed is not None:
        proposed = individual_resolve(individual=proposed)
    try:
        with transaction.atomic():
            photo = Photo(
                sighting=sighting, original_name=name[:255], sha256=sha256,
                width=info.width, height=info.height,
                crop_x=x, crop_y=y, crop_w=w, crop_h=h, side=options.side,
                quality=options.quality, uploaded_by=actor,
                exif_taken_at=taken_at, exif_latitude=info.latitude,
                exif_longitude=info.longitude, proposed_individual=proposed,
                state=Photo.State.SUBMITTED, split=photo_split_for(sha256=sha256),
                is_public=options.is_public,
            )
            # upload_to (RandomName) keeps only the extension of this name
            photo.original.save(f"original.{EXTENSIONS[info.format]}", ContentFile(data),
                                save=False)
            photo.save()
            job = identification_job_create(photo=photo, send=send)
    except IntegrityError as exc:  # the same file uploaded concurrently
        raise ValidationError({"image": _("This photo was already uploaded.")}) from exc
    return photo, job


@dataclass
class FileResult:
    name: str
    photo: Photo | None = None
    job: IdentificationJob | None = None
    errors: list[str] | None = None


def photos_submit(*, sighting: Sighting, uploads: list, actor: Actor,
                  options: list[PhotoOptions]) -> list[FileResult]:
    """Save many files of one sighting; each is checked on its own (bad ones are reported,
    the others are kept).

    Each file runs in its own savepoint. An unexpected error of one file (storage, a
    decoder bug) is logged and reported on that file as a server error; the rest of the
    upload is still saved.
    """
    results = []
    for upload, opts in zip(uploads, options, strict=True):
        name = getattr(upload, "name", "") or "?"
        try:
            with transaction.atomic():
                photo, job = photo_submit(sighting=sighting, upload=upload,
                                          actor=actor, options=opts, send=False)
        except ValidationError as exc:
            messages = [str(m) for msgs in getattr(exc, "message_dict", {"": exc.messages})
                        .values() for m in msgs]
            results.append(FileResult(name=name, errors=messages))
        except PermissionDenied:
            raise
        except Exception:  # noqa: BLE001 - one file's failure must not lose the others
            logger.exception("upload of %r failed", name)
            results.append(FileResult(name=name, errors=[_(
                "This file could not be saved because of an error on the server; try it "
                "again later.")]))
        else:
            results.append(FileResult(name=name, photo=photo, job=job))
    # the saved files' jobs go together after commit, in chunks (a rolled-back file's never)
    identification_jobs_send_on_commit(
        job_ids=[r.job.pk for r in results if r.job is not None
                 and r.job.status == IdentificationJob.Status.QUEUED])
    return results


def sighting_with_photos_submit(*, actor: Actor, sighting_fields: dict, uploads: list,
                                options: list[PhotoOptions]) -> tuple[Sighting | None,
                                                                     list[FileResult]]:
    """The volunteer's bulk upload: one sighting and its photos.

    The sighting is kept only if at least one photo was saved.
    """
    with transaction.atomic():
        sighting = sighting_create(actor=actor, **sighting_fields)
        results = photos_submit(sighting=sighting, uploads=uploads,
                                actor=actor, options=options)
        if not any(r.photo for r in results):
            transaction.set_rollback(True)
            return None, results
    return sighting, results


def photo_derivative_key(*, photo: Photo, kind: str) -> str:
    """Where a rendering is cached: named after the original's random name (nothing public
    leads to it) and the crop box (a new box makes a new rendering)."""
    stem = PurePosixPath(photo.original.name).stem
    return (f"dois/derived/{stem}-{kind}-{photo.crop_x}-{photo.crop_y}-{photo.crop_w}-"
            f"{photo.crop_h}.jpg")


def photo_derivative(*, photo: Photo, kind: str) -> bytes:
    """An EXIF-free JPEG rendering (``crop``, ``thumb``, ``square``, ``full``), cached.

    The caller checks that the user may see the photo. Raises ``KeyError`` for an
    unknown kind and ``ImageRejected`` when the original cannot be decoded.
    """
    if kind not in renderings.DERIVATIVES:
        raise KeyError(kind)
    key = photo_derivative_key(photo=photo, kind=kind)
    if default_storage.exists(key):
        with default_storage.open(key, "rb") as fh:
            return fh.read()
    with photo.original.open("rb") as fh:
        data = renderings.render_derivative(fh, box=photo.crop_box, kind=kind)
    default_storage.save(key, ContentFile(data))
    return data


def photo_with_sighting_submit(*, actor: Actor, upload, options: PhotoOptions,
                               sighting: Sighting | None = None,
                               sighting_fields: dict | None = None,
                               ) -> tuple[Photo, IdentificationJob | None]:
    """One photo with an existing sighting or a new one (the API's submit), atomically.

    Volunteers may add photos only to sightings they recorded; researchers to any.
    """
    perm_require(user=actor, perm="dois.submit_photo")
    with transaction.atomic():
        if sighting is not None:
            if (sighting.created_by_id != actor.pk
                    and not user_is_researcher(user=actor)):
                raise PermissionDenied(_("You can add photos only to your own sightings."))
        else:
            sighting = sighting_create(actor=actor, **(sighting_fields or {}))
        return photo_submit(sighting=sighting, upload=upload, actor=actor,
                            options=options)
