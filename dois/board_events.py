"""The model leaderboard for the event pages' "model night" (``events.extensions``).

The hub registers this module as the events' challenge provider at start-up, by name;
it imports nothing of events or of the hub, and answers in plain data (numbers,
strings, times, links). What it shows follows the board's own rules
(:mod:`dois.selectors.leaderboard`): done submissions ranked as the board ranks them
(MAP@5, then top-1, top-5, earliest), authors by display name, never an email; a
submission that is queued or running is counted with its state and time, never named;
a failed one is not shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse

from dois.models import Submission
from dois.rules import submission_visible_to
from dois.selectors.leaderboard import board_rows, member_label

PENDING = (Submission.Status.QUEUED, Submission.Status.RUNNING)


def links() -> dict[str, str]:
    """The board and the submit page (no query)."""
    return {"board_url": reverse("dois:leaderboard"),
            "submit_url": reverse("dois:leaderboard_submit")}


def board_row_url(*, board_url: str, pk: int) -> str:
    """A submission's row on the full leaderboard (the board's rows carry
    ``id="submission-<pk>"``)."""
    return f"{board_url}#submission-{pk}"


def _figures(sub: Submission) -> dict[str, Any]:
    m = sub.metrics or {}
    return {"top1": m.get("top1"), "top5": m.get("top5"), "map5": m.get("map5")}


def board(*, opens_at: datetime, closes_at: datetime) -> dict[str, Any]:
    """Members' submissions made from ``opens_at`` (included) to ``closes_at``
    (excluded): the done ones ranked among themselves as the board ranks them (with
    their rank on the whole board too), and the ones still queued or running."""
    rows, rank = [], 0
    board_url = reverse("dois:leaderboard")
    for row in board_rows():
        sub = row.submission
        if row.active_model or not opens_at <= sub.created_at < closes_at:
            continue
        rank += 1
        rows.append({"id": sub.pk, "name": sub.name, "author": row.author, "rank": rank,
                     "board_rank": row.rank, **_figures(sub), "url": sub.get_absolute_url(),
                     "board_row_url": board_row_url(board_url=board_url, pk=sub.pk),
                     "submitted_at": sub.created_at, "stale": row.stale})
    pending = [{"id": r["pk"], "status": r["status"], "submitted_at": r["created_at"]}
               for r in Submission.objects.filter(
                   kind=Submission.Kind.MEMBER, status__in=PENDING,
                   created_at__gte=opens_at, created_at__lt=closes_at)
               .order_by("created_at", "pk").values("pk", "status", "created_at")]
    return {**links(), "rows": rows, "pending": pending}


def _public(queryset) -> list[Submission]:
    """The members' submissions of ``queryset`` that anyone may see (the board's rule)."""
    subs = queryset.filter(kind=Submission.Kind.MEMBER).select_related("submitted_by")
    return [s for s in subs if submission_visible_to(submission=s, user=None)]


def submission_choices() -> list[tuple[int, str]]:
    """Submissions anyone may see, best first, as ``(id, "name - author (MAP@5 x)")``
    for an organiser linking one to a talk."""
    choices = []
    for row in board_rows():
        if row.active_model:
            continue
        map5 = row.metric("map5")
        score = f" (MAP@5 {map5:.3f})" if isinstance(map5, int | float) else ""
        choices.append((row.submission.pk,
                        f"#{row.submission.pk} {row.submission.name} - {row.author}{score}"))
    return choices


def submissions_resolve(*, ids) -> dict[int, dict[str, Any]]:
    """Those of ``ids`` anyone may see now, as plain data, by id (one query)."""
    found = {}
    board_url = reverse("dois:leaderboard")
    for sub in _public(Submission.objects.filter(pk__in=list(ids))):
        found[sub.pk] = {"id": sub.pk, "name": sub.name,
                         "author": member_label(user=sub.submitted_by),
                         **_figures(sub), "url": sub.get_absolute_url(),
                         "board_url": board_url,
                         "board_row_url": board_row_url(board_url=board_url, pk=sub.pk)}
    return found
