"""Turning a permission rule's answer into the refusal users see.

Each app decides who may do what in its own rules (``events.rules``, the apps' role
permissions); services call :func:`permission_require` with that decision, or
:func:`perm_require` where holding one model permission is the whole rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# The user a service acts for (``actor``) or a rule asks about: a member, or an anonymous
# visitor where a page may be seen without logging in. Evaluated lazily (PEP 695).
type Actor = AbstractBaseUser | AnonymousUser


def user_has_perm(*, user: Actor | None, perm: str) -> bool:
    """An active, logged-in user who holds ``perm`` (superusers hold every one)."""
    return bool(user is not None and user.is_authenticated and user.is_active
                and user.has_perm(perm))


def permission_require(*, allowed: bool, message: str | None = None) -> None:
    """``PermissionDenied`` with ``message`` (a translated sentence saying who may do
    this) unless ``allowed``; without one, a general refusal."""
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do this."))


def perm_require(*, user: Actor | None, perm: str, message: str | None = None) -> None:
    """Refuse unless ``user`` is active and holds ``perm``."""
    permission_require(allowed=user_has_perm(user=user, perm=perm), message=message)
