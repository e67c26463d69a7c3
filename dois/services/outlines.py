"""People check the machine's outline (issue 13): accept it, move the tip and the ends,
or redraw the trailing edge.

A correction is a new person-made :class:`dois.models.Outline` (append-only, with who and
when), kept in the photo's correction history as a :class:`dois.models.PhotoEdit` that
raises the photo's revision and re-identifies it with a new job (one per photo, version
and revision: sending the same correction twice makes one job, and a correction made on
a revision someone else has corrected since is refused). Who may correct: as for the
box, side and guess (:func:`dois.rules.photo_correctable_by`): the uploader until a
researcher has decided the photo, researchers always.

Points are in pixels of the outline's frame (``image_size`` of the outline corrected; for
a photo that has none, its crop box in pixels of the original).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.permissions import Actor
from dois.models import Outline, Photo, PhotoEdit
from dois.rules import photo_correctable_by
from dois.selectors.outlines import outline_current
from dois.services.corrections import photo_revision_bump

ACTIONS = tuple(Outline.Action.values)
MAX_POINTS = 2000  # of a redrawn edge


def _point(value: Any, *, field: str, size: tuple[int, int]) -> tuple[float, float] | None:
    """A point ``[x, y]`` inside the frame (a pixel of slack), or None."""
    if value is None:
        return None
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: _("A point is two numbers: x and y.")}) from exc
    width, height = size
    if not (math.isfinite(x) and math.isfinite(y)
            and -1 <= x <= width + 1 and -1 <= y <= height + 1):
        raise ValidationError({field: _("Points must lie on the photo's crop.")})
    return (x, y)


def _polyline(value: Any, *, size: tuple[int, int]) -> list[tuple[float, float]] | None:
    if value is None:
        return None
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise ValidationError({"trailing": _("The edge is a list of points.")})
    if not 2 <= len(value) <= MAX_POINTS:
        raise ValidationError({"trailing": _(
            "Draw the trailing edge from the tip down (2 to %(n)d points).")
            % {"n": MAX_POINTS}})
    return [_point(p, field="trailing", size=size) for p in value]


def _frame(*, photo: Photo, base: Outline | None) -> tuple[int, int]:
    if base is not None and (base.data or {}).get("image_size"):
        width, height = base.data["image_size"]
        return int(width), int(height)
    return photo.crop_w, photo.crop_h


def _base_outline(*, photo: Photo, outline_id: int | None) -> Outline | None:
    """The outline being corrected: the one named (of this photo and its current box),
    else the photo's current one."""
    if outline_id is not None:
        base = Outline.objects.filter(pk=outline_id, photo=photo).first()
        if base is None or base.crop != (photo.crop_x, photo.crop_y, photo.crop_w,
                                         photo.crop_h):
            raise ValidationError({"outline": _(
                "This outline is not the photo's current one any more; look at it again.")})
        return base
    return outline_current(photo=photo)


def photo_outline_correct(*, photo: Photo, actor: Actor | None, action: str, tip: Any = None,
                          trailing_end: Any = None, leading_end: Any = None,
                          trailing: Any = None, facing: str | None = None,
                          base_revision: int | None = None,
                          outline_id: int | None = None) -> PhotoEdit | None:
    """Store a person's check of the photo's outline and re-identify the photo.

    ``action``: ``accept`` (the outline as it is), ``move`` (``tip``, ``trailing_end``
    and/or ``leading_end`` moved; the edge follows the traced contour between them) or
    ``redraw`` (``trailing``: the trailing edge from the tip down; ``facing`` when the
    machine found none). Returns the correction, or None when it changes nothing (the
    photo's current outline is already this person-checked one). Raises
    ``PermissionDenied`` and ``ValidationError``.
    """
    from dois.ml.outline import Outline as Traced
    from dois.ml.outline_edit import outline_correct

    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("You do not have permission to do this."))
    if action not in ACTIONS:
        raise ValidationError({"action": _("Accept the outline, move its points or redraw "
                                           "the edge.")})
    if facing not in (None, "", "left", "right"):
        raise ValidationError({"facing": _("The fin faces left or right.")})
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo.pk)
        if not photo_correctable_by(photo=photo, user=actor):
            raise PermissionDenied(_(
                "You can correct only your own photos, and only until a researcher has "
                "decided them."))
        base = _base_outline(photo=photo, outline_id=outline_id)
        size = _frame(photo=photo, base=base)
        traced = (Traced.from_dict(base.data) if base is not None
                  else Traced(ok=False, reason="no_fin", image_size=size))
        try:
            if action == Outline.Action.ACCEPT:
                if base is None or len(traced.trailing) < 2:
                    raise ValidationError({"action": _(
                        "There is no traced edge to accept: draw the trailing edge.")})
                # the points as traced, now checked by a person
                fixed = dataclasses.replace(traced, made_by="person", confidence=1.0)
            elif action == Outline.Action.MOVE:
                points = {k: _point(v, field=k, size=size) for k, v in (
                    ("tip", tip), ("trailing_end", trailing_end),
                    ("leading_end", leading_end))}
                if not any(points.values()):
                    raise ValidationError({"tip": _("Move the tip or an end first.")})
                if base is None or len(traced.contour) < 3 or traced.tip is None:
                    raise ValidationError({"action": _(
                        "There is no traced outline to move points on: draw the trailing "
                        "edge.")})
                fixed = outline_correct(traced, facing=facing or None, **points)
            else:
                line = _polyline(trailing, size=size)
                if line is None:
                    raise ValidationError({"trailing": _(
                        "Draw the trailing edge from the tip down.")})
                if not (facing or traced.facing):
                    raise ValidationError({"facing": _(
                        "Say which way the fin faces: the machine did not find it.")})
                fixed = outline_correct(
                    traced, trailing=line, facing=facing or None,
                    leading_end=_point(leading_end, field="leading_end", size=size))
        except ValueError as exc:
            raise ValidationError({"action": _("This correction cannot make an outline.")}
                                  ) from exc
        if not fixed.usable:
            raise ValidationError({"trailing": _(
                "The trailing edge is too short: draw it from the tip to where it meets "
                "the back or the water.")})
        data = fixed.to_dict()
        # the same correction sent twice (a double tap, a re-sent form): one outline, one job
        current = outline_current(photo=photo)
        if any(o is not None and o.made_by == Outline.MadeBy.PERSON and _same(o.data, data)
               for o in (base, current)):
            return None
        if base_revision is not None and base_revision != photo.revision:
            raise ValidationError({"revision": _(
                "This photo was corrected meanwhile by someone else; look at it again "
                "and redo your correction.")})
        outline = Outline.objects.create(
            photo=photo, crop_x=photo.crop_x, crop_y=photo.crop_y, crop_w=photo.crop_w,
            crop_h=photo.crop_h, data=data, made_by=Outline.MadeBy.PERSON, action=action,
            created_by=actor, method=base.method if base is not None else "person",
            confidence=float(fixed.confidence), ok=True, reason=Outline.Reason.OK,
            based_on=base)
        job = photo_revision_bump(photo=photo, fields=[])
        crop = [photo.crop_x, photo.crop_y, photo.crop_w, photo.crop_h]
        return PhotoEdit.objects.create(
            photo=photo, edited_by=actor, revision=photo.revision, crop_before=crop,
            crop_after=crop, side_before=photo.side, side_after=photo.side,
            guess_before=photo.proposed_individual, guess_after=photo.proposed_individual,
            job=job, outline=outline, outline_action=action)


def _same(a: dict, b: dict) -> bool:
    keys = ("facing", "tip", "trailing", "trailing_end", "leading_end")
    return all((a or {}).get(k) == (b or {}).get(k) for k in keys)
