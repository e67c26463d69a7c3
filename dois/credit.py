"""What members did for DoIs, for the hub's member credit (``hub.credit``).

The hub imports this module by name; it imports nothing of the hub or of events.
Counts only, or what the public catalogue and the board show: photos a member
contributed and how many a researcher confirmed, the individuals they were first to
photograph (the earliest reference photo of a listed individual) and the individuals
their confirmed photos show (the ones they helped identify), their leaderboard
submissions and best rank; per year the same totals and who contributed.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from dois.models import Decision, Individual, Photo, Submission
from dois.selectors.leaderboard import board_rows

TITLE = _("Dolphin identification")
CONFIRMED = (Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL)


def _first_photographed():
    """Listed individuals annotated with the uploader of their earliest reference photo."""
    first = (Photo.objects.gallery().filter(individual=OuterRef("pk"))
             .order_by("sighting__observed_at", "uploaded_at", "pk").values("uploaded_by")[:1])
    return Individual.objects.listed().annotate(first_by=Subquery(first))


def member_credit(*, user) -> dict:
    photos = Photo.objects.filter(uploaded_by=user)
    firsts = list(_first_photographed().filter(first_by=user.pk).order_by("prefix", "number"))
    rows = [r for r in board_rows() if not r.active_model
            and r.submission.submitted_by_id == user.pk]
    ranks = [r.rank for r in rows]
    return {
        "counts": [
            {"key": "photos", "label": _("Photos contributed"), "value": photos.count()},
            {"key": "photos_confirmed", "label": _("Photos a researcher confirmed"),
             "value": photos.filter(state__in=CONFIRMED).count()},
            {"key": "individuals_identified",
             "label": _("Individuals they helped identify"),
             "value": photos.filter(state__in=CONFIRMED, individual__isnull=False)
             .values("individual").distinct().count()},
            {"key": "individuals_first", "label": _("Individuals first photographed"),
             "value": len(firsts)},
            {"key": "submissions", "label": _("Model submissions"),
             "value": Submission.objects.filter(kind=Submission.Kind.MEMBER,
                                                submitted_by=user).count()},
            {"key": "best_rank", "label": _("Best rank on the model leaderboard"),
             "value": min(ranks) if ranks else None},
        ],
        "lists": [
            {"key": "individuals_first", "label": _("First photographed"), "entries": [
                {"text": ind.code, "url": ind.get_absolute_url(), "note": ind.nickname}
                for ind in firsts]},
            {"key": "submissions", "label": _("Models on the leaderboard"), "entries": [
                {"text": r.submission.name, "url": r.submission.get_absolute_url(),
                 "note": _("rank %(rank)s, MAP@5 %(map5)s") % {
                     "rank": r.rank, "map5": r.metric("map5")}} for r in rows]},
        ],
    }


def active_years() -> list[int]:
    years = {d.year for d in Photo.objects.dates("uploaded_at", "year")}
    return sorted(years | {d.year for d in Submission.objects.dates("created_at", "year")})


def year_summary(*, year: int) -> dict:
    photos = Photo.objects.filter(uploaded_at__year=year)
    submissions = Submission.objects.filter(kind=Submission.Kind.MEMBER,
                                            created_at__year=year)
    decisions = Decision.objects.filter(decided_at__year=year).exclude(
        action=Decision.Action.UNDO)
    contributors: dict[int, list[dict]] = {}

    def add(queryset, who: str, key: str, label) -> None:
        for row in (queryset.exclude(**{who: None}).values(who).annotate(n=Count("id"))
                    .order_by()):
            contributors.setdefault(row[who], []).append(
                {"key": key, "label": label, "value": row["n"]})

    add(photos, "uploaded_by", "photos", _("photos"))
    add(submissions, "submitted_by", "submissions", _("models submitted"))
    add(decisions, "decided_by", "decisions", _("photos reviewed"))
    best = max((s.metrics.get("map5") or 0.0 for s in submissions.filter(
        status=Submission.Status.DONE)), default=None)
    return {
        "totals": [
            {"key": "photos", "label": _("Photos contributed"), "value": photos.count()},
            {"key": "photos_confirmed", "label": _("Of them confirmed"),
             "value": photos.filter(state__in=CONFIRMED).count()},
            {"key": "individuals_new", "label": _("New individuals in the catalogue"),
             "value": Individual.objects.listed().filter(created_at__year=year).count()},
            {"key": "submissions", "label": _("Models submitted"),
             "value": submissions.count()},
            {"key": "best_map5", "label": _("Best MAP@5 submitted"), "value": best},
        ],
        "contributors": contributors,
    }

