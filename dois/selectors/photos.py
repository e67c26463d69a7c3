"""Reads of photos: who sees and may correct which, their edits, the uploader's lists
and a volunteer's agreement with the researchers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from dois.models import (
    Decision,
    IdentificationJob,
    Photo,
    PhotoEdit,
    Sighting,
)
from dois.selectors.locations import user_sees_exact

# --- photos ---------------------------------------------------------------------------


def photo_visibility(*, user) -> Q:
    """THE rule of who may see a photo (and anything of it: renderings, its sighting, its
    identification jobs and their candidates), as a filter on ``Photo``.

    Researchers (``dois.view_exact_location``) see every photo, uploaders their own, and
    everyone else reference photos (confirmed or founding an individual) that the
    uploader let be public. Every page, the API and the file views go through this
    (:func:`photos_visible`, :func:`photo_visible_to`); no other code decides it.
    """
    if user_sees_exact(user=user):
        return Q()
    rule = Q(is_public=True, state__in=[Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL])
    if user is not None and user.is_authenticated:
        rule |= Q(uploaded_by=user)
    return rule


def photos_visible(*, user) -> QuerySet[Photo]:
    """The photos ``user`` may see (:func:`photo_visibility`)."""
    return Photo.objects.filter(photo_visibility(user=user))


def photo_visible_to(*, photo: Photo, user) -> bool:
    """Whether ``user`` may see ``photo`` (:func:`photo_visibility`, read fresh)."""
    return photos_visible(user=user).filter(pk=photo.pk).exists()


def photo_correctable_by(*, photo: Photo, user) -> bool:
    """Who may correct a photo's box, side and guess: researchers always, the volunteer
    who uploaded it until a researcher has decided it (a decision undone counts as
    none)."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_perm("dois.review_photo"):
        return True
    return (photo.uploaded_by_id == user.pk and user.has_perm("dois.submit_photo")
            and photo.state in (Photo.State.SUBMITTED, Photo.State.IDENTIFIED))


def photo_edits(*, photo: Photo) -> list[PhotoEdit]:
    """The corrections of a photo, newest first (append-only history)."""
    return list(PhotoEdit.objects.filter(photo=photo)
                .select_related("edited_by", "guess_before", "guess_after", "job")
                .order_by("-edited_at", "-id"))


def photo_list_visible(*, user) -> QuerySet[Photo]:
    return photos_visible(user=user).select_related("sighting", "individual",
                                                    "proposed_individual")


def sighting_list_visible(*, user) -> QuerySet[Sighting]:
    """Sightings with at least one visible photo (researchers: all)."""
    if user_sees_exact(user=user):
        return Sighting.objects.all()
    return Sighting.objects.filter(
        pk__in=photo_list_visible(user=user).values("sighting_id")).order_by("-observed_at")


def photo_list_for_uploader(*, user) -> QuerySet[Photo]:
    """The user's photos, newest first, each with ``current_job_id`` (the job of its
    current revision: its candidates) and its decision in force (``decision_action``,
    ``decision_at``; the individual is ``photo.individual``). A constant number of
    queries whatever the page size."""
    jobs = (IdentificationJob.objects.filter(photo=OuterRef("pk"), revision=OuterRef("revision"))
            .order_by("-created_at", "-id"))
    decisions = (Decision.objects.filter(photo=OuterRef("pk"), undone_by__isnull=True)
                 .exclude(action=Decision.Action.UNDO).order_by("-decided_at", "-id"))
    return (Photo.objects.filter(uploaded_by=user)
            .select_related("sighting", "individual", "proposed_individual")
            .annotate(current_job_id=Subquery(jobs.values("pk")[:1]),
                      decision_action=Subquery(decisions.values("action")[:1]),
                      decision_at=Subquery(decisions.values("decided_at")[:1]))
            .order_by("-uploaded_at", "-id"))


@dataclass
class Agreement:
    submitted: int
    decided: int
    guessed: int
    agreed: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.guessed if self.guessed else None


def volunteer_agreement(*, user) -> Agreement:
    """How often researchers confirmed the individual the volunteer proposed."""
    photos = Photo.objects.filter(uploaded_by=user)
    decided = photos.filter(state__in=[Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL,
                                       Photo.State.UNUSABLE])
    guessed = decided.filter(proposed_individual__isnull=False).exclude(
        state=Photo.State.UNUSABLE)
    agreed = guessed.filter(individual=F("proposed_individual"))
    return Agreement(submitted=photos.count(), decided=decided.count(),
                     guessed=guessed.count(), agreed=agreed.count())
