"""Every write of the DoIs catalogue: individuals, sightings, photos, decisions.

Functions are keyword-only and named ``<thing>_<action>``. They check permissions
themselves (``PermissionDenied``) and raise ``ValidationError`` for bad input, so views,
the API and commands can share them.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from common import images
from common.images import EXTENSIONS
from common.permissions import perm_require
from common.uploads import UploadRejected, upload_read
from dois import images as renderings
from dois.models import (
    Candidate,
    CatalogueCounter,
    Decision,
    IdentificationJob,
    Individual,
    IndividualMerge,
    Photo,
    Sighting,
)
from dois.services_identification import (
    identification_job_create,
    identification_jobs_send_on_commit,
)

logger = logging.getLogger(__name__)

EVAL_PERCENT = 20


# --- individuals ----------------------------------------------------------------------


def individual_number_allocate(*, prefix: str) -> int:
    """The next number for ``prefix``; the counter row is locked until the commit."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                CatalogueCounter.objects.get_or_create(prefix=prefix)
        except IntegrityError:  # created concurrently by another transaction
            pass
        counter = CatalogueCounter.objects.select_for_update().get(prefix=prefix)
        highest = Individual.objects.filter(prefix=prefix).aggregate(n=Max("number"))["n"]
        counter.last_number = max(counter.last_number, highest or 0) + 1
        counter.save(update_fields=["last_number"])
        return counter.last_number


def individual_create(*, created_by=None, nickname: str = "",
                      sex: str = Individual.Sex.UNKNOWN, notes: str = "",
                      prefix: str | None = None) -> Individual:
    """A new catalogue entry with the next code, e.g. ``PRE-0042``."""
    prefix = prefix or settings.DOIS_CATALOGUE_PREFIX
    with transaction.atomic():
        number = individual_number_allocate(prefix=prefix)
        return Individual.objects.create(
            code=f"{prefix}-{number:04d}", prefix=prefix, number=number,
            nickname=nickname, sex=sex, notes=notes, created_by=created_by,
        )


def individual_update(*, individual: Individual, user, nickname: str, sex: str,
                      status: str, notes: str) -> Individual:
    """A researcher's curation of one catalogue entry: nickname, sex, status, notes.

    Merged individuals are not edited (edit the one they were merged into); ``merged``
    is set by :func:`individual_merge` only and ``withdrawn`` by undoing the decision
    that created the individual (:func:`decision_record`), though a withdrawn
    individual may be set back to active or presumed dead here.
    """
    perm_require(user=user, perm="dois.curate_catalogue")
    with transaction.atomic():
        individual = Individual.objects.select_for_update().get(pk=individual.pk)
        if individual.status == Individual.Status.MERGED:
            raise ValidationError(_("%(code)s was merged into another individual; edit "
                                    "that one.") % {"code": individual.code})
        if status == Individual.Status.MERGED:
            raise ValidationError({"status": _("Use merge to merge individuals.")})
        if (status == Individual.Status.WITHDRAWN
                and individual.status != Individual.Status.WITHDRAWN):
            raise ValidationError({"status": _(
                "An individual is withdrawn only by undoing the decision that created "
                "it.")})
        individual.nickname, individual.sex, individual.status, individual.notes = (
            nickname.strip(), sex, status, notes.strip())
        individual.full_clean()
        individual.save(update_fields=["nickname", "sex", "status", "notes"])
    return individual


def individual_withdraw_if_orphaned(*, individual: Individual) -> bool:
    """Withdraw an individual whose founding decision was undone and that no photo shows.

    Called inside :func:`decision_record`'s transaction after an undo. The row is kept
    (decisions and candidates point at it; codes are never reused) but leaves the
    public catalogue. Individuals that were not created by a decision (imported,
    demo) and merged ones are left alone. Returns whether it was withdrawn.
    """
    individual = Individual.objects.select_for_update().get(pk=individual.pk)
    if individual.status in (Individual.Status.MERGED, Individual.Status.WITHDRAWN):
        return False
    if Photo.objects.filter(individual=individual).exists():
        return False
    founded = Decision.objects.filter(individual=individual,
                                      action=Decision.Action.NEW_INDIVIDUAL)
    if not founded.exists() or founded.filter(undone_by__isnull=True).exists():
        return False
    note = _("Withdrawn on %(date)s: the decision that created it was undone and no "
             "photo shows it.") % {"date": timezone.localdate().isoformat()}
    individual.status = Individual.Status.WITHDRAWN
    individual.notes = f"{individual.notes}\n{note}".strip()
    individual.save(update_fields=["status", "notes"])
    return True


def individual_seen_refresh(*, individual: Individual) -> Individual:
    """First and last sighting dates from the individual's reference photos."""
    dates = Photo.objects.gallery().filter(individual=individual).aggregate(
        first=Min("sighting__observed_at"), last=Max("sighting__observed_at"))
    individual.first_seen = timezone.localdate(dates["first"]) if dates["first"] else None
    individual.last_seen = timezone.localdate(dates["last"]) if dates["last"] else None
    individual.save(update_fields=["first_seen", "last_seen"])
    return individual


def individual_resolve(*, individual: Individual) -> Individual:
    """Follow merges to the surviving individual."""
    seen = set()
    individual = Individual.objects.select_related("merged_into").get(pk=individual.pk)
    while individual.merged_into_id and individual.pk not in seen:
        seen.add(individual.pk)
        individual = individual.merged_into
    return individual


def _individuals_lock(*pks: int) -> dict[int, Individual]:
    """Lock individuals' rows in primary-key order (two merges of the same pair in
    opposite directions then wait for each other instead of deadlocking)."""
    rows = Individual.objects.select_for_update().filter(pk__in=set(pks)).order_by("pk")
    return {row.pk: row for row in rows}


def individual_merge(*, source: Individual, target: Individual, user) -> Individual:
    """Merge ``source`` into ``target``: photos move, decisions stay, a redirect remains.

    What moved is recorded in an :class:`IndividualMerge` row (append-only), so
    :func:`individual_split` can put exactly that back.
    """
    perm_require(user=user, perm="dois.curate_catalogue")
    with transaction.atomic():
        if source.pk == target.pk:
            raise ValidationError(_("An individual cannot be merged into itself."))
        locked = _individuals_lock(source.pk, target.pk)
        source, target = locked[source.pk], locked[target.pk]
        if Individual.Status.MERGED in (source.status, target.status):
            raise ValidationError(_("This individual was already merged."))
        moved = list(Photo.objects.filter(individual=source).order_by("pk")
                     .values_list("pk", flat=True))
        guesses = list(Photo.objects.filter(proposed_individual=source).order_by("pk")
                       .values_list("pk", flat=True))
        redirected = list(Individual.objects.filter(merged_into=source).order_by("pk")
                          .values_list("pk", flat=True))
        Photo.objects.filter(pk__in=moved).update(individual=target)
        Photo.objects.filter(pk__in=guesses).update(proposed_individual=target)
        Individual.objects.filter(pk__in=redirected).update(merged_into=target)
        IndividualMerge.objects.create(
            action=IndividualMerge.Action.MERGE, source=source, target=target, done_by=user,
            photos=moved, guesses=guesses, redirected=redirected,
            status_before=source.status)
        status_before = source.status
        source.status = Individual.Status.MERGED
        source.merged_into = target
        note = _("Merged into %(code)s on %(date)s.") % {
            "code": target.code, "date": timezone.localdate().isoformat()}
        source.notes = f"{source.notes}\n{note}".strip()
        source.save(update_fields=["status", "merged_into", "notes"])
        individual_seen_refresh(individual=target)
        individual_seen_refresh(individual=source)
        logger.info("individual %s (%s) merged into %s", source.code, status_before,
                    target.code)
    return target


def individual_merge_in_force(*, source: Individual) -> IndividualMerge | None:
    """The merge that made ``source`` a redirect, if it was not split since."""
    return (IndividualMerge.objects.filter(source=source, action=IndividualMerge.Action.MERGE,
                                           undone_by__isnull=True)
            .select_related("target").order_by("-done_at", "-id").first())


def individual_split(*, source: Individual, user) -> IndividualMerge:
    """Undo the merge of ``source``: it is an individual of its own again.

    The photos the merge moved go back to ``source`` (those a later decision gave to
    another individual stay where they are), so do the volunteers' guesses and the
    individuals that pointed at ``source``; its decisions, which always named it, are
    again in force. The split is recorded as an :class:`IndividualMerge` row that
    undoes the merge (append-only). A merge into an individual that was itself merged
    later is split after that one (last merged, first split).
    """
    perm_require(user=user, perm="dois.curate_catalogue")
    with transaction.atomic():
        merge = individual_merge_in_force(source=source)
        if merge is None:
            raise ValidationError(_("%(code)s is not merged into another individual.")
                                  % {"code": source.code})
        locked = _individuals_lock(merge.source_id, merge.target_id)
        source, target = locked[merge.source_id], locked[merge.target_id]
        if target.status == Individual.Status.MERGED:
            raise ValidationError(_(
                "%(target)s was itself merged into another individual afterwards: split "
                "%(target)s first.") % {"target": target.code})
        if source.status != Individual.Status.MERGED or source.merged_into_id != target.pk:
            raise ValidationError(_("%(code)s is not merged into %(target)s.")
                                  % {"code": source.code, "target": target.code})
        back = list(Photo.objects.filter(pk__in=merge.photos, individual=target)
                    .values_list("pk", flat=True))
        Photo.objects.filter(pk__in=back).update(individual=source)
        Photo.objects.filter(pk__in=merge.guesses, proposed_individual=target).update(
            proposed_individual=source)
        Individual.objects.filter(pk__in=merge.redirected, merged_into=target).update(
            merged_into=source)
        split = IndividualMerge.objects.create(
            action=IndividualMerge.Action.SPLIT, source=source, target=target, done_by=user,
            photos=sorted(back), undoes=merge, status_before=source.status)
        source.status = merge.status_before or Individual.Status.ACTIVE
        source.merged_into = None
        note = _("Split from %(code)s on %(date)s.") % {
            "code": target.code, "date": timezone.localdate().isoformat()}
        source.notes = f"{source.notes}\n{note}".strip()
        source.save(update_fields=["status", "merged_into", "notes"])
        individual_seen_refresh(individual=target)
        individual_seen_refresh(individual=source)
    return split


# --- sightings ------------------------------------------------------------------------


def sighting_create(*, created_by, observed_at: datetime, latitude: float,
                    longitude: float, area: str = "", trip: str = "", observers: str = "",
                    group_size: int | None = None, notes: str = "") -> Sighting:
    perm_require(user=created_by, perm="dois.submit_photo")
    sighting = Sighting(observed_at=observed_at, latitude=latitude, longitude=longitude,
                        area=area, trip=trip, observers=observers, group_size=group_size,
                        notes=notes, created_by=created_by)
    sighting.full_clean()
    sighting.save()
    return sighting


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


def photo_upload_check(*, upload) -> tuple[bytes, images.ImageInfo]:
    """Read one uploaded file and check it is an image we keep: its bytes and facts.

    The size is checked before the bytes are read (:func:`common.uploads.upload_read`),
    the pixel count before anything is decoded, and a JPEG is decoded at reduced scale
    (:func:`common.images.image_inspect`), so memory stays bounded whatever is sent.
    Raises ``ValidationError({"image": ...})`` with a message for the volunteer.
    """
    try:
        data = upload_read(upload, max_bytes=settings.UPLOAD_MAX_BYTES)
        return data, images.image_inspect(data, max_pixels=settings.UPLOAD_MAX_PIXELS)
    except (UploadRejected, images.ImageRejected) as exc:
        raise ValidationError({"image": str(exc)}) from exc


def photo_submit(*, sighting: Sighting, upload, uploaded_by,
                 options: PhotoOptions | None = None, send: bool = True
                 ) -> tuple[Photo, IdentificationJob | None]:
    """Check and save one photo of ``sighting`` and queue its identification (sent after
    commit; ``send=False``: the caller sends the job).

    Raises ``ValidationError`` (``{"image": [...]}``, ``{"crop": ...}``, ``{"side": ...}``,
    ``{"guess": ...}``) for this file. The original is stored under an unguessable name.
    """
    perm_require(user=uploaded_by, perm="dois.submit_photo")
    options = options or PhotoOptions()
    if options.problems:
        raise ValidationError(dict(options.problems))
    name = getattr(upload, "name", "") or "photo"
    if options.side not in Photo.Side.values:
        raise ValidationError({"side": _("Choose left, right or unknown.")})
    if options.quality is not None and not 1 <= int(options.quality) <= 5:
        raise ValidationError({"quality": _("The quality grade is 1 to 5.")})
    data, info = photo_upload_check(upload=upload)
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
                quality=options.quality, uploaded_by=uploaded_by,
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


def photos_submit(*, sighting: Sighting, uploads: list, uploaded_by,
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
                                          uploaded_by=uploaded_by, options=opts, send=False)
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


def sighting_with_photos_submit(*, uploaded_by, sighting_fields: dict, uploads: list,
                                options: list[PhotoOptions]) -> tuple[Sighting | None,
                                                                     list[FileResult]]:
    """The volunteer's bulk upload: one sighting and its photos.

    The sighting is kept only if at least one photo was saved.
    """
    with transaction.atomic():
        sighting = sighting_create(created_by=uploaded_by, **sighting_fields)
        results = photos_submit(sighting=sighting, uploads=uploads,
                                uploaded_by=uploaded_by, options=options)
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


# --- decisions ------------------------------------------------------------------------


def _decision_model_source(*, photo: Photo, individual: Individual | None):
    """The model version and candidate rank that led to a decision, if any."""
    job = (IdentificationJob.objects.filter(photo=photo, status=IdentificationJob.Status.DONE)
           .order_by("-revision", "-finished_at", "-id").first())
    if job is None:
        return None, None
    rank = None
    if individual is not None:
        candidate = Candidate.objects.filter(job=job, individual=individual).order_by(
            "rank").first()
        rank = candidate.rank if candidate else None
    return job.model_version, rank


def decision_record(*, photo: Photo, action: str, decided_by,
                    individual: Individual | None = None, note: str = "",
                    model_version=None, candidate_rank: int | None = None,
                    quality: int | None = None, side: str = "",
                    encounter=None) -> Decision:
    """A researcher's decision for ``photo``, appended to its history.

    ``confirm`` (needs ``individual``) makes the photo a reference photo of it,
    ``new_individual`` creates an individual founded on it, ``unusable`` takes it out,
    ``undo`` reverts the latest decision that is still in force (append-only: the undo is
    itself a decision). The model version and candidate rank are taken from the photo's
    latest finished job unless given.

    ``quality`` (1 to 5) and ``side`` grade the photo with the decision (None and ""
    leave them as they are); the decision records what was set. An undo does not grade.
    Undoing the decision that created an individual withdraws that individual when no
    photo shows it any more (:func:`individual_withdraw_if_orphaned`). ``encounter``
    links decisions taken together for photos of one sighting
    (:func:`dois.services_review.decisions_record_together`).
    """
    perm_require(user=decided_by, perm="dois.review_photo")
    if action not in Decision.Action.values:
        raise ValidationError({"action": _("Unknown action.")})
    if quality is not None:
        try:
            quality = int(quality)
        except (TypeError, ValueError):
            quality = 0
        if not 1 <= quality <= 5:
            raise ValidationError({"quality": _("The quality grade is 1 to 5.")})
    side = side or ""
    if side and side not in Photo.Side.values:
        raise ValidationError({"side": _("Choose left, right or unknown.")})
    if action == Decision.Action.UNDO and (quality is not None or side):
        raise ValidationError({"action": _("An undo does not change the grade or side.")})
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        state_before, individual_before = photo.state, photo.individual
        undoes = None
        if action == Decision.Action.CONFIRM:
            if individual is None:
                raise ValidationError({"individual": _("Choose the individual.")})
            individual = individual_resolve(individual=individual)
            if individual.status == Individual.Status.WITHDRAWN:
                raise ValidationError({"individual": _(
                    "%(code)s was withdrawn; reactivate it on its curation page first.")
                    % {"code": individual.code}})
            photo.state, photo.individual = Photo.State.CONFIRMED, individual
        elif action == Decision.Action.NEW_INDIVIDUAL:
            individual = individual_create(created_by=decided_by)
            photo.state, photo.individual = Photo.State.NEW_INDIVIDUAL, individual
        elif action == Decision.Action.UNUSABLE:
            individual = None
            photo.state, photo.individual = Photo.State.UNUSABLE, None
        else:
            undoes = (Decision.objects.filter(photo=photo, undone_by__isnull=True)
                      .exclude(action=Decision.Action.UNDO).order_by("-decided_at", "-id")
                      .first())
            if undoes is None:
                raise ValidationError({"action": _("There is no decision to undo.")})
            individual = undoes.individual
            photo.state, photo.individual = undoes.state_before, undoes.individual_before
        if action != Decision.Action.UNDO and model_version is None:
            model_version, rank = _decision_model_source(photo=photo, individual=individual)
            candidate_rank = candidate_rank if candidate_rank is not None else rank
        fields = ["state", "individual"]
        if quality is not None:
            photo.quality = quality
            fields.append("quality")
        if side:
            photo.side = side
            fields.append("side")
        photo.save(update_fields=fields)
        decision = Decision.objects.create(
            photo=photo, action=action, individual=individual, decided_by=decided_by,
            model_version=model_version, candidate_rank=candidate_rank,
            state_before=state_before, individual_before=individual_before,
            state_after=photo.state, undoes=undoes, note=note, quality=quality, side=side,
            encounter=encounter,
        )
        for touched in {i for i in (individual_before, photo.individual) if i is not None}:
            individual_seen_refresh(individual=touched)
        if action == Decision.Action.UNDO and individual_before is not None:
            individual_withdraw_if_orphaned(individual=individual_before)
    return decision


def photo_with_sighting_submit(*, uploaded_by, upload, options: PhotoOptions,
                               sighting: Sighting | None = None,
                               sighting_fields: dict | None = None,
                               ) -> tuple[Photo, IdentificationJob | None]:
    """One photo with an existing sighting or a new one (the API's submit), atomically.

    Volunteers may add photos only to sightings they recorded; researchers to any.
    """
    perm_require(user=uploaded_by, perm="dois.submit_photo")
    with transaction.atomic():
        if sighting is not None:
            if (sighting.created_by_id != uploaded_by.pk
                    and not uploaded_by.has_perm("dois.review_photo")):
                raise PermissionDenied(_("You can add photos only to your own sightings."))
        else:
            sighting = sighting_create(created_by=uploaded_by, **(sighting_fields or {}))
        return photo_submit(sighting=sighting, upload=upload, uploaded_by=uploaded_by,
                            options=options)
