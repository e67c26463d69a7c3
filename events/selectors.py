from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from events.models import Event


def event_list_upcoming(*, limit: int | None = None) -> QuerySet[Event]:
    qs = Event.objects.published().filter(ends_at__gte=timezone.now()).order_by("starts_at")
    return qs[:limit] if limit else qs


def event_list_past(*, limit: int | None = None) -> QuerySet[Event]:
    qs = Event.objects.published().filter(ends_at__lt=timezone.now()).order_by("-starts_at")
    return qs[:limit] if limit else qs
