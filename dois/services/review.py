"""The researcher's review: undoing decisions from anywhere, skipping photos.

Decisions themselves are recorded by :func:`dois.services.decisions.decision_record` (append-only;
an undo is itself a decision). This module adds what the review queue needs around it:
undo a given decision or the researcher's last one, and the photos a researcher skipped
in this session (kept in the session, never in the database).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.permissions import Actor, permission_require
from dois.models import Decision, Encounter, Individual, Photo
from dois.rules import user_is_researcher
from dois.selectors.review import decision_in_force_latest, decisions_recent
from dois.services.decisions import decision_record

SKIPPED_KEY = "dois_review_skipped"
SKIPPED_MAX = 500


def decision_undo(*, decision: Decision, actor: Actor) -> list[Decision]:
    """Undo ``decision``, which must still be in force and the latest of its photo.

    A decision taken for several photos of one encounter at once is undone for all of
    them that are still as it left them. Returns the undo decisions (append-only).
    """
    permission_require(allowed=user_is_researcher(user=actor))
    group = [decision]
    if decision.encounter_id:
        group = list(Decision.objects.filter(encounter_id=decision.encounter_id)
                     .exclude(action=Decision.Action.UNDO).order_by("photo_id"))
    undos = []
    with transaction.atomic():
        for member in group:
            latest = decision_in_force_latest(photo_id=member.photo_id, lock=True)
            if latest is None or latest.pk != member.pk:
                if member.pk == decision.pk:
                    raise ValidationError(_(
                        "This decision was already undone or a later decision replaced it."))
                continue  # another member of the encounter was decided again since
            undos.append(decision_record(photo=member.photo, action=Decision.Action.UNDO,
                                         actor=actor))
    return undos


def decision_undo_last(*, actor: Actor) -> list[Decision]:
    """Undo the latest decision of ``actor`` that can still be undone."""
    permission_require(allowed=user_is_researcher(user=actor))
    for recent in decisions_recent(user=actor, limit=20):
        if recent.undoable:
            return decision_undo(decision=recent.decision, actor=actor)
    raise ValidationError(_("You have no decision left to undo."))


def review_skipped(*, session) -> list[int]:
    """The photos skipped in this session, oldest skip first."""
    return [int(pk) for pk in session.get(SKIPPED_KEY, []) if str(pk).isdigit()]


def review_skip(*, session, photo_id: int) -> list[int]:
    """Skip a photo for the rest of the session (it leaves next/previous)."""
    skipped = [pk for pk in review_skipped(session=session) if pk != photo_id]
    skipped.append(int(photo_id))
    session[SKIPPED_KEY] = skipped[-SKIPPED_MAX:]
    return session[SKIPPED_KEY]


def review_unskip(*, session, photo_id: int | None = None) -> list[int]:
    """Put one skipped photo (or all, with None) back into the queue."""
    skipped = ([] if photo_id is None
               else [pk for pk in review_skipped(session=session) if pk != photo_id])
    session[SKIPPED_KEY] = skipped
    return skipped


def decisions_record_together(*, photos: list[Photo], action: str, actor: Actor,
                              individual: Individual | None = None, note: str = "",
                              quality: int | None = None, side: str = "") -> list[Decision]:
    """One decision for photos of one sighting that show the same animal (an encounter).

    The first photo is decided as asked (``new_individual`` creates the individual), the
    others are confirmed as that individual (or all marked unusable); each photo gets its
    own :class:`Decision` row, all pointing at one :class:`Encounter`. ``quality`` and
    ``side`` grade the first photo only (the others were not looked at as closely).
    A single photo is decided alone, without an encounter.
    """
    permission_require(allowed=user_is_researcher(user=actor))
    if not photos:
        raise ValidationError(_("Choose at least one photo."))
    if action == Decision.Action.UNDO:
        raise ValidationError({"action": _("Undo decisions one at a time.")})
    if len({p.sighting_id for p in photos}) > 1:
        raise ValidationError(_("Photos decided together must come from one sighting."))
    first, others = photos[0], photos[1:]
    with transaction.atomic():
        encounter = None
        if others:
            waiting = set(Photo.objects.awaiting_review().filter(
                pk__in=[p.pk for p in others]).values_list("pk", flat=True))
            late = [p for p in others if p.pk not in waiting]
            if late:
                raise ValidationError(_(
                    "Photo %(id)s was decided meanwhile; reload the page.") % {"id": late[0].pk})
            encounter = Encounter.objects.create(sighting_id=first.sighting_id,
                                                 created_by=actor)
        decisions = [decision_record(photo=first, action=action, actor=actor,
                                     individual=individual, note=note, quality=quality,
                                     side=side, encounter=encounter)]
        animal = decisions[0].individual
        for photo in others:
            if action == Decision.Action.UNUSABLE:
                decisions.append(decision_record(
                    photo=photo, action=action, actor=actor, note=note,
                    encounter=encounter))
            else:
                decisions.append(decision_record(
                    photo=photo, action=Decision.Action.CONFIRM, individual=animal,
                    actor=actor, note=note, encounter=encounter))
    return decisions
