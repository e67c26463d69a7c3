"""Who may do what, and when (:mod:`events.rules`): each rule decided once, here."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from events import rules, services
from events.models import Event
from tests.events.factories import (
    EventFactory,
    PostFactory,
    ProposalFactory,
    RSVPFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_only_this_events_organisers_may_change_it(event, organiser, other_organiser, member):
    admin = UserFactory(username="root", is_superuser=True)
    assert rules.event_can_manage(user=organiser, event=event)
    assert rules.event_can_manage(user=admin, event=event)
    assert not rules.event_can_manage(user=other_organiser, event=event)
    assert not rules.event_can_manage(user=member, event=event)
    # in the organisers list but without the organiser role: not enough
    event.organisers.add(member)
    assert not rules.event_can_manage(user=member, event=event)
    with pytest.raises(PermissionDenied):
        services.event_update(actor=other_organiser, event=event, title="hijacked")


def test_what_the_organiser_role_allows(organiser, member):
    for rule in (rules.event_can_create, rules.venue_can_add, rules.venue_can_edit,
                 rules.post_can_import, rules.post_can_write):
        assert rule(user=organiser), rule
        assert not rule(user=member), rule
        assert not rule(user=AnonymousUser()), rule
    assert rules.user_is_organiser(user=organiser)
    assert not rules.user_is_organiser(user=member)
    assert rules.speaker_can_edit(user=organiser) and not rules.speaker_can_edit(user=member)


def test_a_post_is_seen_with_its_event_and_edited_by_its_organisers(
        world, organiser, other_organiser, member):
    draft_post, public_post = world["post"], PostFactory(event=world["public"])
    loose = PostFactory(event=None)
    for user in (AnonymousUser(), member, other_organiser, organiser):
        assert rules.post_is_visible(user=user, post=loose)
        assert rules.post_is_visible(user=user, post=public_post)
        assert rules.post_is_visible(user=user, post=draft_post) == (user == organiser)
    assert rules.post_can_edit(user=other_organiser, post=loose)
    assert not rules.post_can_edit(user=member, post=loose)
    assert rules.post_can_edit(user=organiser, post=draft_post)
    assert not rules.post_can_edit(user=other_organiser, post=draft_post)


def test_only_the_member_who_proposed_withdraws(event, member, organiser):
    proposal = ProposalFactory(event=event, user=member)
    assert rules.proposal_can_withdraw(user=member, proposal=proposal)
    assert not rules.proposal_can_withdraw(user=organiser, proposal=proposal)
    assert not rules.proposal_can_withdraw(user=AnonymousUser(), proposal=proposal)
    assert rules.proposal_can_submit(user=member)
    assert not rules.proposal_can_submit(user=AnonymousUser())


def test_answers_and_proposals_are_taken_until_the_start_or_the_deadline(member):
    soon = timezone.now() + timedelta(days=2)
    event = EventFactory(starts_at=soon, ends_at=soon + timedelta(hours=2))
    assert rules.rsvp_open(event=event) and rules.proposals_open(event=event)
    assert not rules.rsvp_open(event=event, now=soon + timedelta(minutes=1))
    event.rsvp_deadline = timezone.now() - timedelta(minutes=1)
    assert not rules.rsvp_open(event=event) and rules.proposals_open(event=event)
    event.status = Event.Status.DRAFT
    assert not rules.proposals_open(event=event)
    assert rules.rsvp_can_answer(user=member) and not rules.rsvp_can_answer(user=AnonymousUser())


def test_an_event_members_answered_is_not_deleted_unless_a_draft(event, member):
    assert rules.event_can_delete(event=event)
    RSVPFactory(event=event, user=member)
    assert not rules.event_can_delete(event=event)
    event.status = Event.Status.DRAFT
    assert rules.event_can_delete(event=event)


def test_an_inactive_superuser_passes_no_rule(db):
    from events import rules
    from tests.events.factories import PostFactory
    from tests.hub.factories import UserFactory

    boss = UserFactory(is_superuser=True, is_active=False)
    assert not rules.user_is_organiser(user=boss)
    assert not rules.post_can_write(user=boss)
    assert not rules.post_can_edit(user=boss, post=PostFactory())
    boss.is_active = True
    assert rules.user_is_organiser(user=boss) and rules.post_can_write(user=boss)


@pytest.mark.parametrize("status,shown", [(Event.Status.PUBLISHED, True),
                                          (Event.Status.CANCELLED, True),
                                          (Event.Status.DRAFT, False)])
def test_a_model_nights_board_is_public_with_its_event(status, shown):
    assert rules.challenge_board_shown(event=Event(status=status, model_night=True)) is shown
    assert not rules.challenge_board_shown(event=Event(status=status, model_night=False))
