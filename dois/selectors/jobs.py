"""Reads of the job side that pages, the API and commands share."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from dois.models import Candidate, IdentificationJob, ModelVersion, Photo, TrainingRun
from dois.selectors.catalogue import individuals_best_photos
from dois.selectors.outlines import outline_data
from dois.selectors.photos import photos_visible


def job_delayed(*, job: IdentificationJob) -> bool:
    """Queued but never handed to the broker (it was down): the sweep will send it."""
    return job.status == IdentificationJob.Status.QUEUED and job.sent_at is None


def jobs_delayed_count(*, job_ids: list[int]) -> int:
    """How many of these jobs still wait to be handed to the broker (read fresh)."""
    return IdentificationJob.objects.filter(
        pk__in=job_ids, status=IdentificationJob.Status.QUEUED, sent_at__isnull=True
    ).count()


def job_get(*, job_id: int, user) -> IdentificationJob | None:
    """The job if it exists and ``user`` may see its photo, else None (one query)."""
    return (IdentificationJob.objects.select_related("photo", "model_version", "outline",
                                                    "outline__created_by")
            .filter(pk=job_id, photo__in=photos_visible(user=user)).first())


def job_error_text(*, job: IdentificationJob) -> str:
    """What a user is told about a failed job: the message of its code, never ``error``
    (which is for operators), so no path or traceback can reach a page or the API."""
    if job.status != IdentificationJob.Status.FAILED:
        return ""
    code = job.error_code or IdentificationJob.ErrorCode.INTERNAL
    try:
        return str(IdentificationJob.ErrorCode(code).label)
    except ValueError:
        return str(IdentificationJob.ErrorCode.INTERNAL.label)


def job_candidates(*, job: IdentificationJob) -> QuerySet[Candidate]:
    return job.candidates.select_related("individual", "photo").order_by("rank")


def job_status_data(*, job: IdentificationJob) -> dict:
    """The job as the API and the page's polling script see it."""
    return {
        "id": job.pk,
        "photo": job.photo_id,
        "status": job.status,
        "delayed": job_delayed(job=job),
        "attempts": job.attempts,
        "error": job_error_text(job=job),
        "error_code": job.error_code if job.status == IdentificationJob.Status.FAILED else "",
        "candidates": [{"individual": c.individual.code, "score": round(c.score, 6),
                        "rank": c.rank} for c in job_candidates(job=job)],
        "new_individual_probability": job.new_individual_probability,
        "model_version": job.model_version.name,
        "method": job.model_version.kind,
        "outline": outline_data(outline=job.outline) if job.outline_id else None,
        "outline_reason": job.outline_reason if job.status == IdentificationJob.Status.DONE
        else "",
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@dataclass
class JobCandidateView:
    candidate: Candidate
    matched_photo: Photo | None
    references: list[Photo] = field(default_factory=list)


@dataclass
class JobView:
    job: IdentificationJob
    delayed: bool
    photo_visible: bool
    candidates: list[JobCandidateView]
    error: str = ""


def job_view(*, job: IdentificationJob, user, per_candidate: int = 3) -> JobView:
    """A job with each candidate's best matching photo and best reference photos
    (a constant number of queries, whatever the number of candidates)."""
    candidates = list(job_candidates(job=job))
    matched_ids = [c.photo_id for c in candidates if c.photo_id]
    visible = set(photos_visible(user=user).filter(pk__in=matched_ids + [job.photo_id])
                  .values_list("pk", flat=True))
    best = individuals_best_photos(individual_ids=[c.individual_id for c in candidates],
                                   user=user, limit=per_candidate + 2)
    rows = []
    for cand in candidates:
        matched = cand.photo if cand.photo_id in visible else None
        refs = [p for p in best.get(cand.individual_id, [])
                if p.pk != job.photo_id and (matched is None or p.pk != matched.pk)]
        rows.append(JobCandidateView(cand, matched, refs[:per_candidate]))
    return JobView(job=job, delayed=job_delayed(job=job),
                   photo_visible=job.photo_id in visible, candidates=rows,
                   error=job_error_text(job=job))


def jobs_of_photo(*, photo: Photo) -> QuerySet[IdentificationJob]:
    return photo.jobs.select_related("model_version").order_by("-created_at", "-id")


def model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.order_by("-is_active", "-created_at", "-id")


def training_runs(*, limit: int = 20) -> list[TrainingRun]:
    return list(TrainingRun.objects.select_related("model_version", "requested_by")
                .order_by("-created_at", "-id")[:limit])


def training_run_status_data(*, run: TrainingRun) -> dict:
    return {"id": run.pk, "status": run.status, "progress": run.progress,
            "log": run.log[-4000:], "error": run.error,
            "model_version": run.model_version.name if run.model_version else None}
