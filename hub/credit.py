"""Member credit: a member's public profile and the yearly thanks page, composed by name.

Each app that credits contributions has a ``<app>/credit.py`` (named in
:data:`CREDIT_PROVIDERS`, imported by name as :mod:`hub.roles` imports ``<app>.roles``,
so neither app imports the other or the hub). A provider offers:

* ``TITLE``: the section's heading (lazy translation);
* ``member_credit(*, user) -> dict``: ``{"counts": [{"key", "label", "value"}],
  "lists": [{"key", "label", "entries": [{"text", "url", "note", "links":
  [{"text", "url"}]}]}]}`` with only what anyone may see (public events, public
  catalogue);
* ``year_summary(*, year) -> dict``: ``{"totals": [{"key", "label", "value"}],
  "contributors": {user_id: [{"key", "label", "value"}]}}``.

An app that is absent (not installed, or no ``credit`` module) simply has no section.
The hub adds its own part: the projects a member logged.

Profiles are opt-in (``User.profile_public``); a member is shown by display name (else
user name), never by email, and a private profile is seen by its owner only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub.models import ProjectUpdate

logger = logging.getLogger(__name__)

CREDIT_PROVIDERS: tuple[str, ...] = ("events", "dois")


@dataclass
class Section:
    app: str
    title: str
    counts: list[dict] = field(default_factory=list)
    lists: list[dict] = field(default_factory=list)

    def as_api(self) -> dict[str, Any]:
        return {"app": self.app, "title": str(self.title),
                "counts": {c["key"]: c["value"] for c in self.counts},
                "lists": {lst["key"]: [_entry_api(e) for e in lst["entries"]]
                          for lst in self.lists}}


def _entry_api(entry: dict) -> dict:
    return {"text": str(entry.get("text", "")), "url": entry.get("url", ""),
            "note": str(entry.get("note", "")),
            "links": [{"text": str(link["text"]), "url": link["url"]}
                      for link in entry.get("links", [])]}


def providers() -> list[tuple[str, Any]]:
    """``(app, module)`` of every installed app's credit provider, in registry order."""
    found = []
    for app in CREDIT_PROVIDERS:
        if not apps.is_installed(app):
            continue
        try:
            module = import_module(f"{app}.credit")
        except ModuleNotFoundError as exc:
            if exc.name not in (app, f"{app}.credit"):
                raise
            continue
        found.append((app, module))
    return found


def member_label(*, user) -> str:
    """How a member is named in public: display name, else user name; never an email."""
    return (user.display_name or user.get_username()).strip()


# --- the member's profile -------------------------------------------------------------


def member_get(*, name: str, viewer) -> Any | None:
    """The member called ``name`` if ``viewer`` may see their profile (public, or their own)."""
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        return None
    if user.profile_public or (viewer is not None and viewer.is_authenticated
                               and viewer.pk == user.pk):
        return user
    return None


def member_projects(*, user) -> Section:
    """The hub's part: the public projects the member logged updates in."""
    rows = (ProjectUpdate.objects.filter(author=user, project__in=_public_projects())
            .values("project__slug", "project__name").annotate(n=Count("id"))
            .order_by("project__name"))
    entries = [{"text": r["project__name"],
                "url": reverse("hub:project_detail", kwargs={"slug": r["project__slug"]}),
                "note": _("%(n)s updates logged") % {"n": r["n"]}} for r in rows]
    return Section(app="hub", title=_("Projects"),
                   counts=[{"key": "project_updates", "label": _("Project updates logged"),
                            "value": sum(r["n"] for r in rows)},
                           {"key": "projects", "label": _("Projects"),
                            "value": len(entries)}],
                   lists=[{"key": "projects", "label": _("Projects logged"),
                           "entries": entries}])


def _public_projects():
    from hub.models import Project

    return Project.objects.public()


def member_credit(*, user) -> list[Section]:
    """Every section of a member's profile: each present app's, then the hub's."""
    sections = []
    for app, module in providers():
        data = module.member_credit(user=user)
        sections.append(Section(app=app, title=module.TITLE, counts=data.get("counts", []),
                                 lists=data.get("lists", [])))
    sections.append(member_projects(user=user))
    return sections


def member_profile_data(*, user) -> dict[str, Any]:
    """The profile as the API answers it (no email, no real name)."""
    return {"name": user.get_username(), "display_name": member_label(user=user),
            "url": reverse("hub:member", kwargs={"name": user.get_username()}),
            "sections": [s.as_api() for s in member_credit(user=user)]}


def member_visibility_set(*, user, public: bool) -> Any:
    """Show or hide the member's public profile (their own choice)."""
    user.profile_public = bool(public)
    user.save(update_fields=["profile_public"])
    return user


# --- the yearly thanks page -----------------------------------------------------------


@dataclass
class Contributor:
    user: Any
    label: str
    public: bool
    did: list[dict] = field(default_factory=list)


@dataclass
class YearThanks:
    year: int
    sections: list[Section]
    contributors: list[Contributor]  # members with a public profile, by name
    others: int  # members who contributed and keep their profile private


def thanks_years() -> list[int]:
    """Years with any project update, or any year a provider reports activity for."""
    years = {d.year for d in ProjectUpdate.objects.dates("date", "year")}
    for _app, module in providers():
        years |= set(getattr(module, "active_years", lambda: [])())
    return sorted(years, reverse=True)


def year_thanks(*, year: int) -> YearThanks:
    """Totals of the year per app and the members who contributed, from the same data as
    the profiles."""
    sections, did_by_user = [], {}
    for app, module in providers():
        data = module.year_summary(year=year)
        sections.append(Section(app=app, title=module.TITLE, counts=data.get("totals", [])))
        for user_id, things in data.get("contributors", {}).items():
            did_by_user.setdefault(user_id, []).extend(things)
    start, end = date(year, 1, 1), date(year, 12, 31)
    updates = (ProjectUpdate.objects.filter(date__range=(start, end),
                                            project__in=_public_projects()))
    sections.append(Section(app="hub", title=_("Projects"), counts=[
        {"key": "project_updates", "label": _("Project updates logged"),
         "value": updates.count()}]))
    for row in updates.exclude(author=None).values("author").annotate(n=Count("id")):
        did_by_user.setdefault(row["author"], []).append(
            {"key": "project_updates", "label": _("project updates"), "value": row["n"]})
    users = get_user_model().objects.filter(pk__in=did_by_user, is_active=True)
    named = [Contributor(user=u, label=member_label(user=u), public=True,
                         did=did_by_user[u.pk]) for u in users.filter(profile_public=True)]
    named.sort(key=lambda c: c.label.lower())
    others = users.filter(~Q(profile_public=True)).count()
    return YearThanks(year=year, sections=sections, contributors=named, others=others)
