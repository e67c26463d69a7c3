"""Reads of photos: the photos a user sees (by :func:`dois.rules.photo_visibility`),
their edits, the uploader's lists and a volunteer's agreement with the researchers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery

from dois.models import (
    Decision,
    IdentificationJob,
    Photo,
    PhotoEdit,
    Sighting,
)
from dois.rules import photo_visibility, user_sees_exact

# --- photos ---------------------------------------------------------------------------


def photos_visible(*, user) -> QuerySet[Photo]:
    """The photos ``user`` may see (:func:`dois.rules.photo_visibility`)."""
    return Photo.objects.filter(photo_visibility(user=user))


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
