"""Every write of the hub: roles, accounts, projects, worker heartbeats."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from hub.models import Project, ProjectUpdate, WorkerHeartbeat
from hub.roles import DEFAULT_SIGNUP_ROLES, Role, role_permissions

User = get_user_model()


def roles_sync(*, using: str = "default") -> dict[str, int]:
    """Create the role groups and give each exactly the permissions the apps declare.

    Returns the number of permissions per role. Permissions an app names but that do
    not exist (yet) are skipped, so this is safe to run at any point of a migrate.
    """
    counts: dict[str, int] = {}
    wanted = role_permissions()
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        perms = []
        for dotted in sorted(wanted.get(role.value, ())):
            app_label, _, codename = dotted.partition(".")
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
        counts[role.value] = len(perms)
    return counts


def user_roles_set(*, user: User, roles: list[str]) -> None:
    """Give a user exactly these roles."""
    valid = {r.value for r in Role}
    unknown = set(roles) - valid
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    user.groups.set(Group.objects.filter(name__in=roles))


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create a member account with the default roles."""
    user = User.objects.create_user(
        username=username, email=email, password=password, display_name=display_name
    )
    user.groups.add(*Group.objects.filter(name__in=[r.value for r in DEFAULT_SIGNUP_ROLES]))
    return user


def user_profile_update(*, user: User, display_name: str, bio: str, email: str,
                        preferred_language: str) -> User:
    user.display_name = display_name
    user.bio = bio
    user.email = email
    user.preferred_language = preferred_language
    user.full_clean()
    user.save(update_fields=["display_name", "bio", "email", "preferred_language"])
    return user


def project_create(*, slug: str, name: str, summary: str, partner: str = "",
                   partner_url: str = "", born_at=None, started_on: date | None = None,
                   status: str = Project.Status.ACTIVE) -> Project:
    project = Project(slug=slug, name=name, summary=summary, partner=partner,
                      partner_url=partner_url, born_at=born_at, started_on=started_on,
                      status=status)
    project.full_clean()
    project.save()
    return project


def project_update_add(*, project: Project, date: date, title: str, body: str = "",
                       author: User | None = None) -> ProjectUpdate:
    update = ProjectUpdate(project=project, date=date, title=title, body=body, author=author)
    update.full_clean()
    update.save()
    return update


def worker_heartbeat_record(*, hostname: str, queues: list[str], pid: int | None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname,
        defaults={"queues": queues, "pid": pid, "last_seen": timezone.now()},
    )


def worker_heartbeat_clear(*, hostname: str) -> None:
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()


def worker_heartbeats_prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - older_than).delete()
    return deleted
