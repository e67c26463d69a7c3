"""What the events services share: the organisers' check, free slugs, tags, accounts.

Keyword-only functions named ``<thing>_<action>``; the acting user is ``actor``. Who may
do what is decided in :mod:`events.rules`; these helpers turn a refusal into the
message users see.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common.permissions import Actor, permission_require
from events.models import Event, Tag
from events.rules import event_can_manage

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

RESERVED_SLUGS = {"new", "calendar", "feed", "posts", "speakers", "tags", "series", "search",
                  "manage", "materials", "venues", "proposals", "calendar.ics"}

# A talk's time lies within its event (doors may open a little before the start).
TALK_MARGIN = timedelta(hours=2)


def event_manage_require(*, actor: Actor | None, event: Event) -> None:
    """Refuse unless ``actor`` may change ``event`` (:func:`events.rules.event_can_manage`)."""
    permission_require(allowed=event_can_manage(user=actor, event=event),
                       message=_("Only the organisers of this event may change it."))


def slug_unique(*, model: type[Model], base: str, fallback: str,
                exclude_pk: int | None = None) -> str:
    """A free slug from ``base``; Chinese (any letters) is kept, so a Chinese-only title
    gives a readable slug rather than only its date."""
    base = (slugify(base, allow_unicode=True) or fallback)[:100].strip("-") or fallback
    slug, n = base, 2
    qs = model.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    while slug in RESERVED_SLUGS or qs.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def tags_get_or_create(*, names: list[str]) -> list[Tag]:
    tags = []
    for raw in names:
        name = raw.strip().lstrip("#")
        if not name:
            continue
        slug = slugify(name, allow_unicode=True)[:60] or name[:60]
        tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name[:60]})
        tags.append(tag)
    return tags


def tags_parse(*, value: str | list | tuple | None) -> list[str]:
    """Tags as front matter and forms write them: "a b c", "a, b", or a list."""
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part for part in re.split(r"[,\s，]+", str(value)) if part]


def user_by_username(*, username: str) -> AbstractBaseUser:
    """The member called ``username`` (any case), or a ``ValidationError`` on the
    ``username`` field."""
    user = get_user_model().objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise ValidationError({"username": _("No member is called %(name)s.")
                               % {"name": username.strip()}})
    return user
