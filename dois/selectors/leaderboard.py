"""Reads of the model leaderboard shared by its pages, the API and member credit.

Who sees what: the board (done members' submissions and the active model's row, with
their figures) is public; a submission that is not done yet, or failed, is seen by its
submitter and researchers (``dois.activate_model``) only
(:func:`dois.rules.submission_visible_to`). Authors are named by their display name
(else their user name), never by email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dois.models import EvalSplitVersion, Submission
from dois.rules import submission_visible_to

METRICS = ("top1", "top5", "map5", "unknown_auc", "ms_per_photo", "size_bytes")


def submission_get(*, pk: int, user) -> Submission | None:
    """The submission if ``user`` may see it (None otherwise: its existence is not told)."""
    sub = (Submission.objects.select_related("submitted_by", "split", "promoted_version",
                                             "model_version").filter(pk=pk).first())
    if sub is None or not submission_visible_to(submission=sub, user=user):
        return None
    return sub


def submissions_of(*, user) -> QuerySet[Submission]:
    """A member's own submissions, newest first."""
    return (Submission.objects.filter(kind=Submission.Kind.MEMBER, submitted_by=user)
            .select_related("split", "promoted_version").order_by("-created_at", "-id"))



def eval_split_current() -> EvalSplitVersion | None:
    """The latest recorded evaluation split version (None before the first)."""
    return EvalSplitVersion.objects.order_by("-number").first()


def member_label(*, user) -> str:
    """How a member is named in public: display name, else user name (never an email)."""
    if user is None:
        return _("a former member")
    return (getattr(user, "display_name", "") or user.get_username()).strip()

@dataclass
class BoardRow:
    submission: Submission
    rank: int | None  # None: the active model's row (not ranked among members)
    author: str
    active_model: bool
    stale: bool  # figures from an older split version (being evaluated again)

    @property
    def metrics(self) -> dict:
        return self.submission.metrics

    def metric(self, name: str):
        return self.submission.metrics.get(name)


def _sort_key(sub: Submission) -> tuple:
    m = sub.metrics

    def value(name: str) -> float:
        v = m.get(name)
        return -1.0 if v is None else float(v)

    return (-value("map5"), -value("top1"), -value("top5"), sub.created_at, sub.pk)


def board_rows(*, split: EvalSplitVersion | None = None) -> list[BoardRow]:
    """Done members' submissions ranked by MAP@5 (then top-1, top-5, earliest), with
    the active model's row placed among them by its MAP@5 and not ranked."""
    split = split if split is not None else eval_split_current()
    done = list(Submission.objects.filter(status=Submission.Status.DONE)
                .select_related("submitted_by", "split", "model_version", "promoted_version"))
    done = [s for s in done if s.kind == Submission.Kind.MEMBER
            or (s.model_version is not None and s.model_version.is_active)]
    rows, rank = [], 0
    for sub in sorted(done, key=_sort_key):
        active = sub.kind == Submission.Kind.ACTIVE_MODEL
        if not active:
            rank += 1
        rows.append(BoardRow(
            submission=sub, rank=None if active else rank,
            author=member_label(user=sub.submitted_by) if not active else "",
            active_model=active, stale=split is not None and sub.split_id != split.pk))
    return rows


def board_history(*, rows: list[BoardRow] | None = None) -> list[tuple[datetime, float,
                                                                      Submission]]:
    """The best MAP@5 among members' submissions made up to each submission's date:
    ``(submitted at, best so far, the submission that set it)``, one point per new best."""
    rows = board_rows() if rows is None else rows
    members = sorted((r.submission for r in rows
                      if not r.active_model and r.metric("map5") is not None),
                     key=lambda s: (s.created_at, s.pk))
    points, best = [], None
    for sub in members:
        value = float(sub.metrics["map5"])
        if best is None or value > best:
            best = value
            points.append((sub.created_at, value, sub))
    return points


def member_board_summary(*, user) -> dict:
    """A member's submissions and best rank on the board (for member credit)."""
    rows = board_rows()
    ranks = [r.rank for r in rows if not r.active_model and r.submission.submitted_by_id
             == getattr(user, "pk", None)]
    return {"submissions": Submission.objects.filter(kind=Submission.Kind.MEMBER,
                                                     submitted_by=user).count(),
            "best_rank": min(ranks) if ranks else None, "ranked": len(
                [r for r in rows if not r.active_model])}
