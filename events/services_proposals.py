"""Talk proposals: pretalx's core, scaled down to a meetup.

A member proposes a talk for an upcoming published event (title, abstract, remote or
not); the organisers are emailed. An organiser accepts it, and it joins the programme
as a talk given by the member (their speaker profile is linked to their account), or
declines it; either way with an optional message that the member gets by email. The
member may withdraw a proposal nobody decided yet.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, Mail, Speaker, TalkProposal, TalkSpeaker
from events.rules import event_can_manage, proposal_can_submit
from events.services_mail import mail_queue

MAX_OPEN_PER_MEMBER = 3


def proposals_open(*, event: Event) -> bool:
    """Whether the event takes proposals: published and not started."""
    return event.status == Event.Status.PUBLISHED and event.starts_at > timezone.now()


@transaction.atomic
def proposal_submit(*, actor, event: Event, title: str, abstract: str,
                    remote: bool = False) -> TalkProposal:
    if not proposal_can_submit(user=actor):
        raise PermissionDenied(_("Log in to propose a talk."))
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
def proposal_withdraw(*, actor, proposal: TalkProposal) -> TalkProposal:
    proposal = TalkProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.user_id != actor.pk:
        raise PermissionDenied(_("Only the member who proposed a talk may withdraw it."))
    if proposal.status != TalkProposal.Status.SUBMITTED:
        raise ValidationError(_("This proposal was decided already."))
    proposal.status = TalkProposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    return proposal


def _speaker_for(user) -> Speaker:
    """The member's speaker profile (created and linked to the account if needed)."""
    from events.services import _unique_slug

    speaker = Speaker.objects.filter(user=user).order_by("id").first()
    if speaker is None:
        name = (getattr(user, "display_name", "") or user.get_full_name()
                or user.get_username())
        speaker = Speaker(name=name, user=user,
                          slug=_unique_slug(model=Speaker, base=name, fallback="speaker"))
        speaker.full_clean()
        speaker.save()
    return speaker


@transaction.atomic
def proposal_decide(*, actor, proposal: TalkProposal, accept: bool,
                    message: str = "") -> TalkProposal:
    """Accept (the talk joins the programme, untimed) or decline, with a message; the
    member is emailed. A decided proposal is not decided again."""
    proposal = TalkProposal.objects.select_for_update().select_related("event").get(
        pk=proposal.pk)
    if not event_can_manage(user=actor, event=proposal.event):
        raise PermissionDenied(_("Only the organisers of this event may change it."))
    if proposal.status != TalkProposal.Status.SUBMITTED:
        raise ValidationError(_("This proposal was decided or withdrawn already."))
    proposal.message = message.strip()
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    if accept:
        from events.models import Talk

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
