"""The volunteers' daily digest: what researchers decided on their photos.

The beat runs :func:`decision_digests_send` (``dois.tasks.digests_send``) once a day; it
is safe to run more often or twice: a member gets at most one digest per local day (a
unique row, :class:`DecisionDigest`), covering the decisions in force on their photos
since the previous digest (undos, undone decisions and their own decisions left out).
The mail is in the member's language (their profile's choice, else the site's default)
and goes only to a confirmed address. A mail that could not be sent keeps its row
unsent; the next run tries again (the same day) with what is new by then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from dois.models import Decision, DecisionDigest

logger = logging.getLogger(__name__)


def _address_ok(user) -> bool:
    return bool(user.email) and bool(getattr(user, "email_verified", True)) and user.is_active


def _news(*, user, after: int):
    """The decisions in force on ``user``'s photos newer than ``after`` (by id)."""
    return (Decision.objects.filter(photo__uploaded_by=user, pk__gt=after,
                                    undone_by__isnull=True)
            .exclude(action=Decision.Action.UNDO).exclude(decided_by=user)
            .select_related("photo", "photo__sighting", "individual")
            .order_by("photo__sighting__observed_at", "photo_id", "pk"))


def _last_sent_upto(*, user) -> int:
    return DecisionDigest.objects.filter(user=user, sent_at__isnull=False).aggregate(
        upto=Max("upto"))["upto"] or 0


@dataclass
class DigestReport:
    sent: list[int]  # user ids mailed
    failed: list[int]  # user ids whose mail could not be sent (tried again next run)


def decision_digests_send(*, now=None) -> DigestReport:
    """Send today's digests (see the module). Returns whom it mailed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = DigestReport(sent=[], failed=[])
    # members with decisions on their photos (each one's window is read below)
    candidates = (Decision.objects.filter(undone_by__isnull=True)
                  .exclude(action=Decision.Action.UNDO)
                  .exclude(decided_by=F("photo__uploaded_by"))
                  .filter(photo__uploaded_by__isnull=False)
                  .values_list("photo__uploaded_by", flat=True).distinct())
    users = get_user_model().objects.filter(pk__in=list(candidates), is_active=True)
    already = set(DecisionDigest.objects.filter(day=today, sent_at__isnull=False)
                  .values_list("user_id", flat=True))
    for user in users.order_by("pk"):
        if user.pk in already or not _address_ok(user):
            continue
        decisions = list(_news(user=user, after=_last_sent_upto(user=user)))
        if not decisions:
            continue
        try:
            digest = _digest_claim(user=user, day=today, decisions=decisions)
        except IntegrityError:  # another run is sending it
            continue
        if digest is None:
            continue
        if _digest_mail(user=user, decisions=decisions):
            DecisionDigest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
            report.sent.append(user.pk)
        else:
            report.failed.append(user.pk)
    return report


def _digest_claim(*, user, day, decisions: list[Decision]) -> DecisionDigest | None:
    """Today's row for ``user`` (made, or taken over while still unsent); None when
    today's digest was already sent."""
    upto = max(d.pk for d in decisions)
    with transaction.atomic():
        digest, created = DecisionDigest.objects.select_for_update().get_or_create(
            user=user, day=day, defaults={"upto": upto, "decisions": len(decisions)})
        if not created:
            if digest.sent_at is not None:
                return None
            digest.upto, digest.decisions = upto, len(decisions)
            digest.save(update_fields=["upto", "decisions"])
    return digest


def _profile_url() -> str:
    """Where members set their language and address (the hub's page, by name)."""
    try:
        return settings.SITE_URL + reverse("hub:profile")
    except NoReverseMatch:
        return settings.SITE_URL + "/"


def _digest_mail(*, user, decisions: list[Decision]) -> bool:
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user, "decisions": decisions, "site_name": str(settings.SITE_NAME),
            "mine_url": settings.SITE_URL + reverse("dois:mine"),
            "profile_url": _profile_url(),
        }
        subject = " ".join(render_to_string("dois/email/digest_subject.txt",
                                            context).split())
        body = render_to_string("dois/email/digest.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:  # noqa: BLE001 - one member's mail must not stop the others
        logger.warning("digest for user %s not sent; tried again next run", user.pk,
                       exc_info=True)
        return False
    return True
