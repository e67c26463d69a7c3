"""Roles are groups; each app says which of its permissions each role holds.

Visitors are anonymous and need no group. ``events/roles.py`` and ``dois/roles.py``
each define ``ROLE_PERMISSIONS = {"organiser": ["app_label.codename", ...], ...}``;
this module merges them, so the apps never import the hub.
"""

from __future__ import annotations

from enum import StrEnum
from importlib import import_module

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    ORGANISER = "organiser"
    RESEARCHER = "researcher"
    VOLUNTEER = "volunteer"


ROLE_LABELS = {
    Role.ORGANISER: _("Organiser"),
    Role.RESEARCHER: _("Researcher"),
    Role.VOLUNTEER: _("Volunteer"),
}

# Permissions of the hub itself.
HUB_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ORGANISER: ["hub.add_project", "hub.change_project", "hub.add_projectupdate"],
    Role.RESEARCHER: ["hub.add_projectupdate"],
    Role.VOLUNTEER: [],
}

APPS_WITH_ROLES = ("events", "dois")

# New members get these roles when they sign up.
DEFAULT_SIGNUP_ROLES = (Role.VOLUNTEER,)


def role_permissions() -> dict[str, set[str]]:
    """Merge the hub's and every app's role → permission map."""
    merged: dict[str, set[str]] = {role.value: set(perms) for role, perms in
                                   HUB_ROLE_PERMISSIONS.items()}
    for app in APPS_WITH_ROLES:
        try:
            module = import_module(f"{app}.roles")
        except ModuleNotFoundError:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged.setdefault(str(role), set()).update(perms)
    return merged
