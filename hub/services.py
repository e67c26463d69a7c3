"""Every write of the hub: roles, accounts, projects, worker heartbeats."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub.models import Project, ProjectUpdate, WorkerHeartbeat
from hub.roles import DEFAULT_SIGNUP_ROLES, Role, role_permissions

User = get_user_model()
logger = logging.getLogger(__name__)

EMAIL_VERIFY_SALT = "hub.email-verify"
EMAIL_VERIFY_MAX_AGE = timedelta(days=3)


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


def email_taken(*, email: str, exclude: User | None = None) -> bool:
    """Whether another account has this address (in any case)."""
    others = User.objects.filter(email__iexact=email.strip())
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return bool(email.strip()) and others.exists()


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str, display_name: str = "",
                 preferred_language: str = "") -> User:
    """Create a member account with the default roles, in the language of the page
    they signed up on, and send the link that confirms their address."""
    if email_taken(email=email):
        raise ValidationError({"email": _("An account with this email address exists "
                                          "already; log in or reset its password.")})
    if preferred_language not in dict(settings.LANGUAGES):
        preferred_language = ""
    user = User.objects.create_user(
        username=username, email=email, password=password, display_name=display_name,
        preferred_language=preferred_language,
    )
    user.groups.add(*Group.objects.filter(name__in=[r.value for r in DEFAULT_SIGNUP_ROLES]))
    email_verification_send(user=user)
    return user


def user_profile_update(*, user: User, display_name: str, bio: str, email: str,
                        preferred_language: str, profile_public: bool = False) -> User:
    """Save the profile; a new address must be free and is confirmed again."""
    if email_taken(email=email, exclude=user):
        raise ValidationError({"email": _("Another account uses this email address.")})
    changed = email.strip().lower() != (user.email or "").lower()
    user.display_name = display_name
    user.bio = bio
    user.email = email
    user.preferred_language = preferred_language
    user.profile_public = profile_public
    if changed:
        user.email_verified = False
    user.full_clean()
    user.save(update_fields=["display_name", "bio", "email", "preferred_language",
                             "email_verified", "profile_public"])
    if changed:
        email_verification_send(user=user)
    return user


def email_verification_token(*, user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=EMAIL_VERIFY_SALT)


def email_verification_send(*, user: User) -> bool:
    """Queue the email with the link that confirms the member's address: a Celery task
    (``hub.tasks.email_verification_mail``, retried on mail-server errors) sent once the
    transaction commits; a broker that is down is logged and never undoes the sign-up
    (the profile offers to send the link again). Returns whether a mail was queued."""
    if not user.email:
        return False
    user_id, address = user.pk, user.email

    def send() -> None:
        from hub.tasks import email_verification_mail

        email_verification_mail.delay(user_id, address)

    transaction.on_commit(send, robust=True)
    return True


def email_verification_mail(*, user_id: int, address: str) -> bool:
    """Render and send the confirmation email, in the member's language, with a link
    from ``SITE_URL``. Sends nothing if the address changed or is confirmed meanwhile.
    A mail-server error propagates, so the task retries."""
    user = User.objects.filter(pk=user_id, email__iexact=address,
                               email_verified=False).first()
    if user is None:
        return False
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        url = settings.SITE_URL + reverse("hub:email_confirm", kwargs={
            "token": email_verification_token(user=user)})
        context = {"user": user, "url": url, "site_name": settings.SITE_NAME,
                   "days": EMAIL_VERIFY_MAX_AGE.days}
        subject = " ".join(render_to_string("hub/email_verify_subject.txt", context).split())
        body = render_to_string("hub/email_verify.txt", context)
    EmailMessage(subject=subject, body=body, to=[user.email],
                 from_email=settings.DEFAULT_FROM_EMAIL,
                 headers={"Content-Language": language}).send()
    return True


def email_verify(*, token: str) -> User | None:
    """Confirm the address the token was made for, if it is still its account's; the
    account, or None for a forged, expired or outdated link. No login needed: the signed
    token proves the reader received the mail."""
    try:
        data = signing.loads(token, salt=EMAIL_VERIFY_SALT,
                             max_age=EMAIL_VERIFY_MAX_AGE.total_seconds())
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u")).first()
    if user is None or data.get("e") != (user.email or "").lower():
        return None
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
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
