"""Corrections of a photo after upload: its fin box, side and the volunteer's guess
(outline corrections, issue 13, are in :mod:`dois.services.outlines` and share
:func:`photo_revision_bump`).

The volunteer who uploaded a photo may correct it until a researcher has decided it;
researchers may correct any photo. Each correction raises ``Photo.revision``, is kept
as a :class:`PhotoEdit` row (before and after, append-only) and re-identifies the photo
with a job for the new revision (``get_or_create`` on photo, model version and revision,
so sending the same correction twice makes one job). Queued jobs of older revisions are
marked superseded; a running one may finish, but its embedding is not stored
(:mod:`dois.services.results` writes an embedding only for the photo's current
revision).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.permissions import Actor
from dois.models import Embedding, IdentificationJob, Individual, Photo, PhotoEdit
from dois.rules import photo_correctable_by
from dois.services.catalogue import individual_resolve
from dois.services.jobs import identification_job_create
from dois.services.photos import photo_crop_normalise

UNCHANGED = object()


@dataclass
class Correction:
    """What a correction changes; ``None`` (and :data:`UNCHANGED` for the guess) keeps
    the current value. ``crop`` is ``(x, y, w, h)`` as fractions of the image."""

    crop: tuple | list | None = None
    side: str | None = None
    guess: Individual | None | object = UNCHANGED


def photo_correct(*, photo: Photo, actor: Actor | None, correction: Correction,
                  base_revision: int | None = None) -> PhotoEdit | None:
    """Apply ``correction`` to ``photo`` and re-identify it; None when nothing changed.

    ``base_revision`` is the revision the user saw: a correction made on an older one
    is refused (someone else corrected the photo meanwhile) unless it changes nothing.
    Raises ``PermissionDenied`` and ``ValidationError`` (``crop``, ``side``, ``guess``,
    ``revision``).
    """
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("You do not have permission to do this."))
    if correction.side is not None and correction.side not in Photo.Side.values:
        raise ValidationError({"side": _("Choose left, right or unknown.")})
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        if not photo_correctable_by(photo=photo, user=actor):
            raise PermissionDenied(_(
                "You can correct only your own photos, and only until a researcher has "
                "decided them."))
        crop_before = [photo.crop_x, photo.crop_y, photo.crop_w, photo.crop_h]
        crop_after = crop_before
        if correction.crop is not None:
            crop_after = list(photo_crop_normalise(crop=correction.crop, width=photo.width,
                                                   height=photo.height, fractions=True))
        side_after = correction.side if correction.side is not None else photo.side
        guess_before = photo.proposed_individual
        guess_after = guess_before
        if correction.guess is not UNCHANGED:
            guess_after = correction.guess
            if guess_after is not None:
                guess_after = individual_resolve(individual=guess_after)
                if guess_after.status == Individual.Status.WITHDRAWN:
                    raise ValidationError({"guess": _("%(code)s was withdrawn.")
                                           % {"code": guess_after.code}})
        if (crop_after == crop_before and side_after == photo.side
                and getattr(guess_after, "pk", None) == getattr(guess_before, "pk", None)):
            return None
        if base_revision is not None and base_revision != photo.revision:
            raise ValidationError({"revision": _(
                "This photo was corrected meanwhile by someone else; look at it again "
                "and redo your correction.")})
        side_before = photo.side
        photo.crop_x, photo.crop_y, photo.crop_w, photo.crop_h = crop_after
        photo.side, photo.proposed_individual = side_after, guess_after
        job = photo_revision_bump(photo=photo, fields=[
            "crop_x", "crop_y", "crop_w", "crop_h", "side", "proposed_individual"])
        return PhotoEdit.objects.create(
            photo=photo, edited_by=actor, revision=photo.revision, crop_before=crop_before,
            crop_after=crop_after, side_before=side_before, side_after=side_after,
            guess_before=guess_before, guess_after=guess_after, job=job)


def photo_revision_bump(*, photo: Photo, fields: list[str]) -> IdentificationJob | None:
    """Save a correction of a locked ``photo`` as its next revision and re-identify it.

    Saves ``fields`` (already set on ``photo``) with the new revision; an identified
    photo is submitted again (its candidates describe what was corrected); queued jobs of
    older revisions are marked superseded; the photo's embeddings go (the new job stores
    fresh ones: new rows, which workers' cached galleries notice; until then the photo
    is not searched against); the job of the new revision is created (sent on commit).
    Call it inside the transaction that locked the photo.
    """
    photo.revision += 1
    fields = ["revision", *fields]
    if photo.state == Photo.State.IDENTIFIED:
        photo.state = Photo.State.SUBMITTED
        fields.append("state")
    photo.save(update_fields=fields)
    IdentificationJob.objects.filter(
        photo=photo, revision__lt=photo.revision,
        status=IdentificationJob.Status.QUEUED).update(
        status=IdentificationJob.Status.FAILED,
        error_code=IdentificationJob.ErrorCode.SUPERSEDED,
        error=f"Superseded by revision {photo.revision} of the photo.",
        finished_at=timezone.now())
    Embedding.objects.filter(photo=photo).delete()
    return identification_job_create(photo=photo)
