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


def worker_list_recent(*, within: timedelta = timedelta(days=1)) -> QuerySet[WorkerHeartbeat]:
    """Worker hosts with a heartbeat in the last day (older rows are pruned by beat)."""
    return WorkerHeartbeat.objects.filter(last_seen__gte=timezone.now() - within)
