"""Issue #15, item 11: members propose talks; organisers accept (the talk joins the
programme) or decline, with a message the member gets by email."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, TalkProposal
from tests.events.factories import EventFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_member_proposes_and_the_organisers_are_told(client, event, member, organiser,
                                                     django_capture_on_commit_callbacks):
    client.force_login(member)
    page = client.get(event.get_absolute_url()).text
    assert reverse("events:propose", kwargs={"slug": event.slug}) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:propose", kwargs={"slug": event.slug}),
                               {"title": "Fins and edges", "abstract": "Tracing outlines.",
                                "remote": "on"})
    assert response.status_code == 302
    proposal = TalkProposal.objects.get()
    assert (proposal.user, proposal.remote, proposal.status) == (member, True, "submitted")
    [message] = mail.outbox
    assert message.to == [organiser.email] and "Fins and edges" in message.body
    assert "Fins and edges" in client.get(event.get_absolute_url()).text  # their own list


def test_accepting_puts_the_talk_in_the_programme(client, event, member, organiser,
                                                  django_capture_on_commit_callbacks):
    proposal = ProposalFactory(event=event, user=member, title="Fins", remote=True)
    client.force_login(organiser)
    assert "Fins" in client.get(reverse("events:manage", kwargs={"slug": event.slug})).text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("events:proposal_decide",
                            kwargs={"slug": event.slug, "pk": proposal.pk}),
                    {"decision": "accept", "message": "See you at 15:00!"})
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.decided_by == organiser
    talk = proposal.talk
    assert talk.event == event and talk.title == "Fins"
    [ts] = talk.lineup
    assert ts.speaker.user == member and ts.remote
    [message] = mail.outbox
    assert message.to == [member.email] and "See you at 15:00!" in message.body
    assert "accepted" in message.subject
    assert "Fins" in client.get(event.get_absolute_url()).text
    with pytest.raises(ValidationError):  # decided once
        services.proposal_decide(actor=organiser, proposal=proposal, accept=False)


def test_declining_sends_the_message_and_adds_no_talk(event, member, organiser,
                                                      django_capture_on_commit_callbacks):
    proposal = ProposalFactory(event=event, user=member)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_decide(actor=organiser, proposal=proposal, accept=False,
                                 message="Too close to another talk; next time!")
    assert not event.talks.exists()
    [message] = mail.outbox
    assert "next time" in message.body


def test_only_this_events_organisers_decide(event, member, other_organiser):
    proposal = ProposalFactory(event=event, user=member)
    for actor in (member, other_organiser):
        with pytest.raises(PermissionDenied):
            services.proposal_decide(actor=actor, proposal=proposal, accept=True)


def test_proposals_only_for_upcoming_published_events(member, organiser):
    past = EventFactory(starts_at=timezone.now() - timedelta(days=3))
    draft = EventFactory(status=Event.Status.DRAFT)
    for event in (past, draft):
        with pytest.raises(ValidationError):
            services.proposal_submit(actor=member, event=event, title="t",
                                     abstract="a")


def test_a_member_withdraws_their_undecided_proposal(client, event, member):
    proposal = ProposalFactory(event=event, user=member)
    other = UserFactory(username="other")
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(actor=other, proposal=proposal)
    client.force_login(member)
    client.post(reverse("events:proposal_withdraw",
                        kwargs={"slug": event.slug, "pk": proposal.pk}))
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
