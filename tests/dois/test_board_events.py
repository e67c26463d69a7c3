"""dois's challenge provider for the events' "model night" (``dois.board_events``):
plain data, the board's own ranking and visibility rules, a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dois import board_events
from dois.models import ModelVersion, Submission
from dois.selectors import board_rows
from tests.dois.factories import UserFactory

pytestmark = pytest.mark.django_db


def make(user, name: str, *, status: str = "done", at=None, **metrics) -> Submission:
    sub = Submission.objects.create(submitted_by=user, name=name, status=status,
                                    metrics=metrics if status == "done" else {})
    if at is not None:
        Submission.objects.filter(pk=sub.pk).update(created_at=at)
        sub.refresh_from_db()
    return sub


@pytest.fixture
def night():
    """A two-hour window that opened an hour ago, with submissions in and out of it."""
    now = timezone.now()
    opens, closes = now - timedelta(hours=1), now + timedelta(hours=1)
    ada = UserFactory(username="ada", display_name="Ada L.", email="ada@example.org")
    bo = UserFactory(username="bo", display_name="", email="bo@example.org")
    subs = {
        "ada-net": make(ada, "ada-net", map5=0.5, top1=0.4, top5=0.8),
        "bo-net": make(bo, "bo-net", map5=0.7, top1=0.6, top5=0.9),
        "tie-later": make(bo, "tie-later", map5=0.5, top1=0.3, top5=0.9),
        "before": make(ada, "before", at=opens - timedelta(minutes=1), map5=0.99),
        "at-close": make(ada, "at-close", at=closes, map5=0.98),
        "queued": make(ada, "queued-secret", status="queued"),
        "running": make(bo, "running-secret", status="running"),
        "failed": make(ada, "failed-secret", status="failed"),
    }
    return opens, closes, subs


def test_the_board_ranks_the_windows_done_models_as_the_leaderboard(night):
    opens, closes, subs = night
    data = board_events.board(opens_at=opens, closes_at=closes)
    assert [r["name"] for r in data["rows"]] == ["bo-net", "ada-net", "tie-later"]
    assert [r["rank"] for r in data["rows"]] == [1, 2, 3]
    # the whole board's ranks count the submissions outside the window too
    ranks = {r.submission.pk: r.rank for r in board_rows()}
    assert [r["board_rank"] for r in data["rows"]] == [
        ranks[subs[n].pk] for n in ("bo-net", "ada-net", "tie-later")]
    first = data["rows"][0]
    assert (first["map5"], first["top1"], first["top5"]) == (0.7, 0.6, 0.9)
    assert first["author"] == "bo" and data["rows"][1]["author"] == "Ada L."
    assert first["url"] == subs["bo-net"].get_absolute_url()
    assert data["board_url"].endswith("/dois/leaderboard/")
    assert data["submit_url"].endswith("/dois/leaderboard/submit/")


def test_pending_models_are_counted_unnamed_and_failed_ones_not_at_all(night):
    opens, closes, _subs = night
    data = board_events.board(opens_at=opens, closes_at=closes)
    assert sorted(p["status"] for p in data["pending"]) == ["queued", "running"]
    text = repr(data)
    for secret in ("secret", "example.org"):
        assert secret not in text


def test_the_active_models_row_is_not_a_challenger(night, model_version):
    opens, closes, _subs = night
    version = ModelVersion.objects.get(pk=model_version.pk)
    Submission.objects.create(kind=Submission.Kind.ACTIVE_MODEL, model_version=version,
                              name=version.name, status="done", metrics={"map5": 0.95})
    assert any(r.active_model for r in board_rows())  # on the board, beside the members
    names = [r["name"] for r in board_events.board(opens_at=opens, closes_at=closes)["rows"]]
    assert version.name not in names and len(names) == 3


def test_only_models_anyone_may_see_can_be_linked_and_resolved(night):
    _opens, _closes, subs = night
    choices = board_events.submission_choices()
    assert choices[0][0] == subs["before"].pk  # best first
    linked = {pk for pk, _label in choices}
    assert subs["failed"].pk not in linked and subs["queued"].pk not in linked
    assert "MAP@5 0.700" in dict(choices)[subs["bo-net"].pk]
    found = board_events.submissions_resolve(
        ids=[subs["bo-net"].pk, subs["failed"].pk, subs["running"].pk, 987654])
    assert list(found) == [subs["bo-net"].pk]
    assert found[subs["bo-net"].pk]["author"] == "bo"
    assert found[subs["bo-net"].pk]["top5"] == 0.9


def test_rows_and_linked_models_point_at_their_row_on_the_full_board(client, night):
    """The event page links a model to its row on the leaderboard, which carries the
    anchor ``submission-<pk>``."""
    opens, closes, subs = night
    pk = subs["bo-net"].pk
    row = board_events.board(opens_at=opens, closes_at=closes)["rows"][0]
    assert row["board_row_url"] == f"{reverse('dois:leaderboard')}#submission-{pk}"
    found = board_events.submissions_resolve(ids=[pk])[pk]
    assert found["board_row_url"] == row["board_row_url"]
    page = client.get(reverse("dois:leaderboard")).text
    for sub in (subs["bo-net"], subs["ada-net"], subs["before"]):
        assert page.count(f'id="submission-{sub.pk}"') == 1
    for hidden in ("queued", "running", "failed"):
        assert f'id="submission-{subs[hidden].pk}"' not in page


@pytest.mark.parametrize("n", [1, 3])
def test_the_board_and_the_resolver_make_a_constant_number_of_queries(
        django_assert_num_queries, n):
    now = timezone.now()
    user = UserFactory()
    subs = [make(user, f"m{i}", map5=0.1 * i) for i in range(n)]
    make(user, "waiting", status="queued")
    with django_assert_num_queries(3):  # the split, the done ones, the pending ones
        board_events.board(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1))
    with django_assert_num_queries(1):
        board_events.submissions_resolve(ids=[s.pk for s in subs])
