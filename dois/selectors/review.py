"""Reads of the review queue: order, next and previous, recent decisions, encounters.

The queue is every photo awaiting a researcher, oldest upload first (``uploaded_at``,
then ``id``). Photos the researcher skipped in this session are left out of next and
previous (:mod:`dois.services.review` keeps them in the session).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from dois.models import Candidate, Decision, IdentificationJob, Individual, Photo, PhotoEdit
from dois.selectors.catalogue import individuals_best_photos
from dois.selectors.outlines import EdgeOverlay, edge_overlays
from dois.selectors.photos import photo_edits


def review_queue(*, skipped: Iterable[int] = ()) -> QuerySet[Photo]:
    """Photos waiting for a researcher, oldest first, without the ``skipped`` ones.

    Each photo carries ``outline_reason``: why the latest finished job of its current
    revision found no usable outline (empty when it found one or has not run), so the
    queue flags those photos (issue 13) without a query per row.
    """
    flag = (IdentificationJob.objects.filter(
        photo=OuterRef("pk"), revision=OuterRef("revision"),
        status=IdentificationJob.Status.DONE).order_by("-finished_at", "-id")
        .values("outline_reason")[:1])
    photos = (Photo.objects.awaiting_review()
              .select_related("sighting", "proposed_individual", "uploaded_by")
              .annotate(outline_reason=Subquery(flag))
              .order_by("uploaded_at", "id"))
    skipped = list(skipped)
    return photos.exclude(pk__in=skipped) if skipped else photos


def review_skipped_photos(*, skipped: Iterable[int]) -> QuerySet[Photo]:
    """The skipped photos that still wait for a researcher (queue order)."""
    return review_queue().filter(pk__in=list(skipped))


@dataclass(frozen=True)
class ReviewNeighbours:
    previous_id: int | None
    next_id: int | None
    remaining: int  # photos waiting, skipped ones left out


def review_neighbours(*, photo: Photo, skipped: Iterable[int] = ()) -> ReviewNeighbours:
    """The photos before and after ``photo`` in the queue (skipped ones left out).

    ``photo`` need not be waiting any more (it was just decided): its place in the order
    still says what comes next. After the last photo, next is the first one again.
    """
    queue = review_queue(skipped=skipped).exclude(pk=photo.pk)
    after = Q(uploaded_at__gt=photo.uploaded_at) | Q(uploaded_at=photo.uploaded_at,
                                                     id__gt=photo.pk)
    following = queue.filter(after).values_list("pk", flat=True).first()
    if following is None:
        following = queue.values_list("pk", flat=True).first()
    preceding = (queue.exclude(after).order_by("-uploaded_at", "-id")
                 .values_list("pk", flat=True).first())
    return ReviewNeighbours(previous_id=preceding, next_id=following, remaining=queue.count())


def _in_force() -> QuerySet[Decision]:
    return Decision.objects.filter(undone_by__isnull=True).exclude(action=Decision.Action.UNDO)


def decision_in_force_latest(*, photo_id: int, lock: bool = False) -> Decision | None:
    """The decision an undo of the photo would revert (its latest one still in force)."""
    decisions = _in_force().filter(photo_id=photo_id)
    if lock:
        decisions = decisions.select_for_update(of=("self",))
    return decisions.select_related("photo").order_by("-decided_at", "-id").first()


@dataclass(frozen=True)
class RecentDecision:
    decision: Decision
    undoable: bool  # still in force and the latest of its photo


def decisions_recent(*, user, limit: int = 5) -> list[RecentDecision]:
    """The last decisions of ``user`` (undos left out), newest first, with whether each
    can still be undone: it was not undone and no later decision replaced it. One
    query."""
    later = _in_force().filter(photo_id=OuterRef("photo_id")).filter(
        Q(decided_at__gt=OuterRef("decided_at"))
        | Q(decided_at=OuterRef("decided_at"), id__gt=OuterRef("id")))
    rows = (Decision.objects.filter(decided_by=user).exclude(action=Decision.Action.UNDO)
            .annotate(replaced=Exists(later),
                      undone=Exists(Decision.objects.filter(undoes=OuterRef("pk"))))
            .select_related("individual", "photo")
            .order_by("-decided_at", "-id")[:limit])
    return [RecentDecision(d, not d.undone and not d.replaced) for d in rows]


# --- one photo under review -------------------------------------------------------------


@dataclass
class ReviewCandidate:
    individual: Individual
    rank: int | None
    score: float | None
    source: str  # "model" or "volunteer"
    photos: list[Photo] = field(default_factory=list)
    matched_photo_id: int | None = None  # the model's best matching reference photo
    overlay: EdgeOverlay | None = None  # edge method: the query's edge on that photo's


@dataclass
class ReviewItem:
    photo: Photo
    job: IdentificationJob | None
    candidates: list[ReviewCandidate]
    decisions: list[Decision]
    edits: list[PhotoEdit]
    encounter_photos: list[Photo]


def photo_job_current(*, photo: Photo) -> IdentificationJob | None:
    """The job whose result describes the photo as it is now: of its current revision
    (box, side, guess) the latest finished one, else its latest one; a photo whose
    current revision has no job yet shows its latest job."""
    jobs = (IdentificationJob.objects.filter(photo=photo)
            .select_related("model_version", "outline")
            .order_by("-revision", "-created_at", "-id"))
    current = [j for j in jobs[:20] if j.revision == photo.revision]
    if current:
        done = [j for j in current if j.status == IdentificationJob.Status.DONE]
        return done[0] if done else current[0]
    return jobs.first()


def review_item(*, photo: Photo, user, per_candidate: int = 3) -> ReviewItem:
    """A photo with its proposed individuals, each with its best reference photos.

    The job shown is :func:`photo_job_current`. Its ``Candidate`` rows (by rank) come
    first, then the volunteer's guess if the model did not propose it. Withdrawn
    individuals are not proposed. ``encounter_photos``: the other photos of the same
    sighting still waiting, which the researcher may decide together with this one.
    """
    job = photo_job_current(photo=photo)
    candidates: list[ReviewCandidate] = []
    if job is not None:
        for cand in (Candidate.objects.filter(job=job).select_related("individual")
                     .exclude(individual__status=Individual.Status.WITHDRAWN)
                     .order_by("rank")):
            candidates.append(ReviewCandidate(cand.individual, cand.rank, cand.score,
                                              "model", matched_photo_id=cand.photo_id))
    guess = photo.proposed_individual
    if (guess is not None and guess.status != Individual.Status.WITHDRAWN
            and all(c.individual.pk != guess.pk for c in candidates)):
        candidates.append(ReviewCandidate(guess, None, None, "volunteer"))
    best = individuals_best_photos(individual_ids=[c.individual.pk for c in candidates],
                                   user=user, limit=per_candidate + 1)
    for cand in candidates:
        cand.photos = [p for p in best[cand.individual.pk] if p.pk != photo.pk][:per_candidate]
    overlays = edge_overlays(job=job, candidate_photo_ids=[
        c.matched_photo_id for c in candidates if c.matched_photo_id])
    for cand in candidates:
        cand.overlay = overlays.get(cand.matched_photo_id)
    decisions = list(Decision.objects.filter(photo=photo)
                     .select_related("decided_by", "individual", "model_version", "encounter")
                     .order_by("-decided_at", "-id"))
    edits = photo_edits(photo=photo)
    together = []
    if photo.state in (Photo.State.SUBMITTED, Photo.State.IDENTIFIED):
        together = list(review_queue().filter(sighting_id=photo.sighting_id)
                        .exclude(pk=photo.pk))
    return ReviewItem(photo, job, candidates, decisions, edits, together)


@dataclass
class CompareView:
    individual: Individual
    photos: list[Photo]  # the candidate's reference photos, best first
    rank: int | None
    score: float | None


def compare_view(*, photo: Photo, code: str, user, limit: int = 24) -> CompareView | None:
    """A candidate (by code, merges followed) beside the photo: its reference photos that
    ``user`` may see, best first, with its rank and score in the photo's current job."""
    individual = Individual.objects.filter(code=code).select_related("merged_into").first()
    while individual is not None and individual.merged_into_id:
        individual = individual.merged_into
    if individual is None:
        return None
    photos = [p for p in individuals_best_photos(individual_ids=[individual.pk], user=user,
                                                 limit=limit + 1)[individual.pk]
              if p.pk != photo.pk][:limit]
    job = photo_job_current(photo=photo)
    cand = (Candidate.objects.filter(job=job, individual=individual).first()
            if job is not None else None)
    return CompareView(individual, photos, cand.rank if cand else None,
                       cand.score if cand else None)
