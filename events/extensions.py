"""What other apps add to the event pages, without events importing them.

Events never import dois or the hub. Where an event page shows something another app
owns (the model leaderboard of a "model night", the submission a talk presents), it asks
the provider registered here; the hub registers the providers at start-up
(``hub.apps.HubConfig.ready``, by module name). With nothing registered (dois absent)
the pages simply leave those parts out.

A *challenge provider* is any object (dois's is the module ``dois.board_events``) with:

* ``links() -> dict``: ``{"board_url", "submit_url"}`` (no database query);
* ``board(*, opens_at, closes_at) -> dict``: the submissions made in the window, as the
  leaderboard shows them, in plain data::

      {"board_url": str, "submit_url": str,
       "rows": [{"id", "name", "author", "rank", "board_rank", "top1", "top5", "map5",
                 "url", "board_row_url", "submitted_at", "stale"}],  # as the board ranks
       "pending": [{"id", "status", "submitted_at"}]}   # queued or running, unnamed

  ``rows`` holds only what anyone may see on the board (done submissions, authors by
  display name); ``url`` is the submission's own page, ``board_row_url`` its row on the
  full leaderboard; ``pending`` never names a submission or its author;
* ``submission_choices() -> list[tuple[int, str]]``: the submissions anyone may see,
  for an organiser to link to a talk;
* ``submissions_resolve(*, ids) -> dict[int, dict]``: those of ``ids`` anyone may see
  now, each ``{"id", "name", "author", "top1", "top5", "map5", "url", "board_url",
  "board_row_url"}``
  (one query whatever the number). An id missing from the answer is not shown.
"""

from __future__ import annotations

from typing import Any, Protocol


class ChallengeProvider(Protocol):
    def links(self) -> dict[str, str]: ...

    def board(self, *, opens_at, closes_at) -> dict[str, Any]: ...

    def submission_choices(self) -> list[tuple[int, str]]: ...

    def submissions_resolve(self, *, ids) -> dict[int, dict[str, Any]]: ...


_registry: dict[str, Any] = {}
CHALLENGE = "challenge"


def challenge_provider_register(*, provider: ChallengeProvider | None) -> None:
    """Make ``provider`` the one the event pages ask (``None`` removes it)."""
    if provider is None:
        _registry.pop(CHALLENGE, None)
    else:
        _registry[CHALLENGE] = provider


def challenge_provider() -> ChallengeProvider | None:
    """The registered challenge provider, or ``None`` (the pages then leave it out)."""
    return _registry.get(CHALLENGE)
