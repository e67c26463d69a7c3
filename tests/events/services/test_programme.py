"""Programme services: talks with their speakers (no account needed), times within the
event, and talk proposals (issue #15, item 11): accepted into the programme or declined
with a message."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events import services
from events.models import Event
from tests.events.factories import EventFactory, ProposalFactory, RecordingFactory, TalkFactory

pytestmark = pytest.mark.django_db


def test_a_talk_outside_its_event_is_refused(organiser):
    start = datetime(2019, 9, 7, 13, 42, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = EventFactory(organisers=[organiser], starts_at=start,
                         ends_at=start + timedelta(hours=3))
    with pytest.raises(ValidationError) as info:
        services.talk_add(actor=organiser, event=event, title="t", speaker_names=["Ada"],
                          starts_at=start.replace(year=2031))
    assert "starts_at" in info.value.message_dict
    talk = services.talk_add(actor=organiser, event=event, title="t", speaker_names=["Ada"],
                             starts_at=start + timedelta(hours=2))
    with pytest.raises(ValidationError):  # moving the event away from its talk
        services.event_update(actor=organiser, event=event,
                              starts_at=start + timedelta(days=3),
                              ends_at=start + timedelta(days=3, hours=3))
    assert talk.pk


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


def test_talk_with_speakers_without_accounts(event, organiser):
    talk = services.talk_add(actor=organiser, event=event, title="Remote talk",
                             speaker_names=["GDE from Shenzhen", "Ada"],
                             remote_speakers=["GDE from Shenzhen"])
    assert talk.remote and talk.speakers.count() == 2
    assert [(ts.speaker.name, ts.remote) for ts in talk.lineup] == [
        ("GDE from Shenzhen", True), ("Ada", False)]
    assert all(s.user is None for s in talk.speakers.all())
    with pytest.raises(ValidationError):
        services.talk_add(actor=organiser, event=event, title="x", speaker_names=[" "])


def test_talk_update_replaces_speakers_and_fields(event, organiser):
    talk = services.talk_add(actor=organiser, event=event, title="Old", speaker_names=["Ada"])
    start = event.starts_at + timedelta(minutes=30)
    talk = services.talk_update(actor=organiser, talk=talk, title="New", abstract="*hi*",
                                speaker_names=["Linus", "Grace"], starts_at=start,
                                remote_speakers=["Grace"])
    talk.refresh_from_db()
    assert talk.title == "New" and talk.remote and talk.starts_at == start
    # the order given is kept (not alphabetical), and only Grace joins remotely
    assert [(ts.speaker.name, ts.remote) for ts in talk.lineup] == [
        ("Linus", False), ("Grace", True)]
    with pytest.raises(ValidationError):
        services.talk_update(actor=organiser, talk=talk, title="x", speaker_names=[])


def test_talk_delete_keeps_its_recordings_and_speakers(event, organiser):
    talk = TalkFactory(event=event)
    speaker = talk.speakers.get()
    recording = RecordingFactory(event=event, talk=talk)
    services.talk_delete(actor=organiser, talk=talk)
    assert not event.talks.exists()
    recording.refresh_from_db()
    assert recording.talk is None
    assert type(speaker).objects.filter(pk=speaker.pk).exists()


# --- a talk presents a leaderboard model -------------------------------------------------


def test_a_talk_links_only_a_model_anyone_may_see(organiser, event, board):
    done = board.add(name="fin-net", map5=0.6)
    failed = board.add(name="broken", status="failed")
    queued = board.add(name="later", status="queued")
    talk = services.talk_add(actor=organiser, event=event, title="My model",
                             speaker_names=["Ada"], model_submission=done["id"])
    assert talk.model_submission == done["id"]
    for hidden in (failed, queued, {"id": 999}):
        with pytest.raises(ValidationError) as info:
            services.talk_update(actor=organiser, talk=talk, title="My model",
                                 speaker_names=["Ada"], model_submission=hidden["id"])
        assert "model_submission" in info.value.message_dict
    talk.refresh_from_db()
    assert talk.model_submission == done["id"]


def test_an_update_without_the_submission_keeps_it_and_none_unlinks(organiser, event, board):
    done = board.add(name="fin-net", map5=0.6)
    talk = services.talk_add(actor=organiser, event=event, title="t", speaker_names=["Ada"],
                             model_submission=done["id"])
    done["status"] = "failed"  # the board hides it now: the link is kept, not shown
    services.talk_update(actor=organiser, talk=talk, title="t2", speaker_names=["Ada"])
    talk.refresh_from_db()
    assert talk.model_submission == done["id"] and talk.title == "t2"
    services.talk_update(actor=organiser, talk=talk, title="t2", speaker_names=["Ada"],
                         model_submission=done["id"])  # unchanged: no check
    services.talk_update(actor=organiser, talk=talk, title="t2", speaker_names=["Ada"],
                         model_submission=None)
    talk.refresh_from_db()
    assert talk.model_submission is None


def test_without_a_leaderboard_no_model_can_be_linked(organiser, event, no_board):
    with pytest.raises(ValidationError):
        services.talk_add(actor=organiser, event=event, title="t", speaker_names=["Ada"],
                          model_submission=1)
