"""The programme: speakers (profiles, photos, accounts), talks with their ordered
speakers, and members' talk proposals."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.files import files_delete_now, files_delete_on_commit
from common.images import ImageRejected, image_jpeg, image_load
from common.permissions import Actor, permission_require
from common.uploads import image_upload_check
from events.extensions import challenge_provider
from events.models import Event, Mail, Speaker, Talk, TalkProposal, TalkSpeaker
from events.rules import (
    proposal_can_submit,
    proposal_can_withdraw,
    proposals_open,
    speaker_can_edit,
)
from events.services.mail import mail_queue
from events.services.shared import (
    TALK_MARGIN,
    event_manage_require,
    slug_unique,
    user_by_username,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

SPEAKER_PHOTO_LONGEST_SIDE = 800
UNCHANGED: Any = object()  # talk_update: leave the linked submission as it is


# --- speakers --------------------------------------------------------------------------

def speaker_get_or_create(*, name: str, user: AbstractBaseUser | None = None, bio: str = "",
                          url: str = "") -> Speaker:
    speaker = Speaker.objects.filter(name=name).first()
    if speaker is None:
        speaker = Speaker(name=name, user=user, bio=bio, url=url,
                          slug=slug_unique(model=Speaker, base=name, fallback="speaker"))
        speaker.full_clean()
        speaker.save()
    return speaker


@transaction.atomic
def speaker_update(*, actor: Actor, speaker: Speaker, name: str, bio: str = "", url: str = "",
                   username: str | None = None, photo: UploadedFile | None = None,
                   photo_clear: bool = False) -> Speaker:
    """Change a speaker's profile. Organisers may link it to an account (by username;
    ``""`` unlinks); a linked member may edit their own profile but not the link. A new
    photo is checked and re-encoded (EXIF-free JPEG, longest side 800 px) and replaces
    the old one, which is removed from storage once the change is committed."""
    permission_require(allowed=speaker_can_edit(user=actor, speaker=speaker),
                       message=_("Only organisers, or the speaker themself, may edit this "
                                 "profile."))
    speaker = Speaker.objects.select_for_update().get(pk=speaker.pk)
    speaker.name, speaker.bio, speaker.url = name.strip(), bio, url
    if username is not None:
        permission_require(allowed=speaker_can_edit(user=actor),
                           message=_("Only organisers may link a speaker to an account."))
        speaker.user = user_by_username(username=username) if username.strip() else None
    speaker.full_clean(exclude=["photo"])
    if photo is not None:
        data = _photo_jpeg(upload=photo, field="photo")
        files_delete_on_commit(files=[speaker.photo])
        speaker.photo.save("speaker.jpg", ContentFile(data), save=False)
    elif photo_clear and speaker.photo:
        files_delete_on_commit(files=[speaker.photo])
        speaker.photo = ""
    try:
        speaker.save()
    except Exception:
        if photo is not None:
            files_delete_now(files=[speaker.photo])
        raise
    return speaker


def _photo_jpeg(*, upload: UploadedFile, field: str) -> bytes:
    """An uploaded image (checked by :func:`common.uploads.image_upload_check`) as an
    EXIF-free JPEG of at most ``SPEAKER_PHOTO_LONGEST_SIDE`` pixels (speaker photos)."""
    try:
        data, _info = image_upload_check(upload, field=field)
        image = image_load(data, longest=SPEAKER_PHOTO_LONGEST_SIDE,
                           max_pixels=settings.UPLOAD_MAX_PIXELS)
        return image_jpeg(image, longest=SPEAKER_PHOTO_LONGEST_SIDE)
    except ValidationError:
        raise
    except ImageRejected as exc:
        raise ValidationError({field: str(exc)}) from exc
    except Exception as exc:  # noqa: BLE001 - any decoder error: the file is broken
        raise ValidationError({field: _("The image is broken or truncated.")}) from exc


# --- talks -----------------------------------------------------------------------------

def _speaker_names(names: list[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = name.strip()
        if name and name not in seen:
            seen.append(name)
    if not seen:
        raise ValidationError({"speakers": _("A talk needs at least one speaker.")})
    return seen


def _talk_time_check(*, starts_at: datetime | None, event: Event) -> None:
    """A talk's time lies within its event (from two hours before its start)."""
    if starts_at is None:
        return
    if not (event.starts_at - TALK_MARGIN <= starts_at <= event.ends_at):
        zone = ZoneInfo(event.timezone)
        raise ValidationError({"starts_at": _(
            "The talk's time must be within the event (%(start)s – %(end)s).")
            % {"start": f"{timezone.localtime(event.starts_at, zone):%Y-%m-%d %H:%M}",
               "end": f"{timezone.localtime(event.ends_at, zone):%Y-%m-%d %H:%M}"}})


def _lineup_set(*, talk: Talk, names: list[str], remote: set[str]) -> None:
    """The talk's speakers in this order, each remote or not."""
    speakers = [speaker_get_or_create(name=n) for n in names]
    talk.talk_speakers.exclude(speaker__in=speakers).delete()
    for position, speaker in enumerate(speakers):
        TalkSpeaker.objects.update_or_create(
            talk=talk, speaker=speaker,
            defaults={"position": position, "remote": speaker.name in remote})


@transaction.atomic
def talk_add(*, actor: Actor, event: Event, title: str, speaker_names: list[str],
             abstract: str = "", starts_at: datetime | None = None,
             remote_speakers: list[str] | tuple = (), title_zh: str = "",
             abstract_zh: str = "", model_submission: int | None = None) -> Talk:
    """A talk with its speakers in order; ``remote_speakers`` names those of them who
    join remotely. ``title``/``abstract`` in English (or the only version), the ``_zh``
    ones in Chinese. ``model_submission``: the leaderboard submission the talk presents
    (one anyone may see on the board)."""
    event_manage_require(actor=actor, event=event)
    names = _speaker_names(speaker_names)
    _talk_time_check(starts_at=starts_at, event=event)
    talk = Talk(event=event, title=title, abstract=abstract, starts_at=starts_at,
                title_zh=title_zh, abstract_zh=abstract_zh,
                model_submission=_submission_check(pk=model_submission))
    talk.full_clean()
    talk.save()
    _lineup_set(talk=talk, names=names, remote={n.strip() for n in remote_speakers})
    return talk


@transaction.atomic
def talk_update(*, actor: Actor, talk: Talk, title: str, speaker_names: list[str],
                abstract: str = "", starts_at: datetime | None = None,
                remote_speakers: list[str] | tuple = (), title_zh: str = "",
                abstract_zh: str = "", model_submission: Any = UNCHANGED) -> Talk:
    """Change a talk; the speakers become the given names in this order (speakers who
    no longer give it keep their profile and their other talks). ``model_submission``:
    a newly linked submission must be one anyone may see; ``None`` unlinks; the link
    already there is kept as it is (it shows again once the board shows it)."""
    event_manage_require(actor=actor, event=talk.event)
    names = _speaker_names(speaker_names)
    _talk_time_check(starts_at=starts_at, event=talk.event)
    talk.title, talk.abstract, talk.starts_at = title, abstract, starts_at
    talk.title_zh, talk.abstract_zh = title_zh, abstract_zh
    if model_submission is not UNCHANGED and model_submission != talk.model_submission:
        talk.model_submission = _submission_check(pk=model_submission)
    talk.full_clean()
    talk.save()
    _lineup_set(talk=talk, names=names, remote={n.strip() for n in remote_speakers})
    return talk


def _submission_check(*, pk: int | None) -> int | None:
    """``pk`` if it names a leaderboard submission anyone may see (the board's own
    rules, asked through :mod:`events.extensions`); ``None`` stays ``None``."""
    if pk is None:
        return None
    provider = challenge_provider()
    if provider is None or pk not in provider.submissions_resolve(ids=[pk]):
        raise ValidationError({"model_submission": _(
            "Choose a model anyone may see on the leaderboard (a finished submission).")})
    return pk


@transaction.atomic
def talk_delete(*, actor: Actor, talk: Talk) -> None:
    """Delete a talk. Its recordings and materials stay with the event, without the talk;
    its speakers keep their profiles."""
    event_manage_require(actor=actor, event=talk.event)
    talk.delete()


# --- talk proposals --------------------------------------------------------------------

MAX_OPEN_PER_MEMBER = 3


@transaction.atomic
def proposal_submit(*, actor: Actor, event: Event, title: str, abstract: str,
                    remote: bool = False) -> TalkProposal:
    permission_require(allowed=proposal_can_submit(user=actor),
                       message=_("Log in to propose a talk."))
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not proposals_open(event=event):
        raise ValidationError(_("This event does not take talk proposals."))
    if TalkProposal.objects.open().filter(event=event, user=actor).count() \
            >= MAX_OPEN_PER_MEMBER:
        raise ValidationError(_("You have %(n)s proposals waiting for this event already.")
                              % {"n": MAX_OPEN_PER_MEMBER})
    proposal = TalkProposal(event=event, user=actor, title=title.strip(),
                            abstract=abstract.strip(), remote=remote)
    proposal.full_clean()
    proposal.save()
    for organiser in event.organisers.all():
        mail_queue(user=organiser, event=event, kind=Mail.Kind.PROPOSAL_RECEIVED,
                   proposal=proposal)
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: Actor, proposal: TalkProposal) -> TalkProposal:
    proposal = TalkProposal.objects.select_for_update().get(pk=proposal.pk)
    permission_require(allowed=proposal_can_withdraw(user=actor, proposal=proposal),
                       message=_("Only the member who proposed a talk may withdraw it."))
    if proposal.status != TalkProposal.Status.SUBMITTED:
        raise ValidationError(_("This proposal was decided already."))
    proposal.status = TalkProposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    return proposal


def _speaker_for(user) -> Speaker:
    """The member's speaker profile (created and linked to the account if needed)."""
    speaker = Speaker.objects.filter(user=user).order_by("id").first()
    if speaker is None:
        name = (getattr(user, "display_name", "") or user.get_full_name()
                or user.get_username())
        speaker = Speaker(name=name, user=user,
                          slug=slug_unique(model=Speaker, base=name, fallback="speaker"))
        speaker.full_clean()
        speaker.save()
    return speaker


@transaction.atomic
def proposal_decide(*, actor: Actor, proposal: TalkProposal, accept: bool,
                    message: str = "") -> TalkProposal:
    """Accept (the talk joins the programme, untimed) or decline, with a message; the
    member is emailed. A decided proposal is not decided again."""
    proposal = TalkProposal.objects.select_for_update().select_related("event").get(
        pk=proposal.pk)
    event_manage_require(actor=actor, event=proposal.event)
    if proposal.status != TalkProposal.Status.SUBMITTED:
        raise ValidationError(_("This proposal was decided or withdrawn already."))
    proposal.message = message.strip()
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    if accept:
        talk = Talk(event=proposal.event, title=proposal.title, abstract=proposal.abstract)
        talk.full_clean()
        talk.save()
        TalkSpeaker.objects.create(talk=talk, speaker=_speaker_for(proposal.user),
                                   position=0, remote=proposal.remote)
        proposal.talk = talk
        proposal.status = TalkProposal.Status.ACCEPTED
        kind = Mail.Kind.PROPOSAL_ACCEPTED
    else:
        proposal.status = TalkProposal.Status.DECLINED
        kind = Mail.Kind.PROPOSAL_DECLINED
    proposal.save()
    mail_queue(user=proposal.user, event=proposal.event, kind=kind, proposal=proposal)
    return proposal
