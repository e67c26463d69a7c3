"""Turning a permission rule's answer into the refusal users see.

Each app decides who may do what in its own rules (``events.rules``, the apps' role
permissions); services call :func:`permission_require` with that decision, or
:func:`perm_require` where holding one model permission is the whole rule.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def user_has_perm(*, user, perm: str) -> bool:
    """An active, logged-in user who holds ``perm`` (superusers hold every one)."""
    return bool(user is not None and user.is_authenticated and user.is_active
                and user.has_perm(perm))


def permission_require(*, allowed: bool, message: str | None = None) -> None:
    """``PermissionDenied`` with ``message`` (a translated sentence saying who may do
    this) unless ``allowed``; without one, a general refusal."""
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do this."))


def perm_require(*, user, perm: str, message: str | None = None) -> None:
    """Refuse unless ``user`` is active and holds ``perm``."""
    permission_require(allowed=user_has_perm(user=user, perm=perm), message=message)
