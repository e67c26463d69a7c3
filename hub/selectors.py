"""Reads of the hub that pages and the API share."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from hub.models import Project, ProjectUpdate, WorkerHeartbeat


def project_list_public() -> QuerySet[Project]:
    return Project.objects.public().prefetch_related(
        Prefetch("updates", queryset=ProjectUpdate.objects.order_by("-date", "-id"))
    )


def project_get_public(*, slug: str) -> Project:
    return project_list_public().select_related("born_at").get(slug=slug)


def worker_list_alive(*, stale_after_s: int) -> QuerySet[WorkerHeartbeat]:
    cutoff = timezone.now() - timedelta(seconds=stale_after_s)
    return WorkerHeartbeat.objects.filter(last_seen__gte=cutoff)
