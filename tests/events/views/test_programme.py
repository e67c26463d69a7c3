"""Programme pages: speakers (profiles, photos without EXIF, linked accounts), talks
with ordered speakers, talk proposals and the organisers' decisions."""

import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events import services
from events.forms import TalkForm
from events.models import Event, Speaker, TalkProposal
from tests.events.factories import ProposalFactory, SpeakerFactory, TalkFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_speakers_keep_their_order_and_remote_is_per_speaker(client, organiser, event):
    form = TalkForm({"title": "Fins", "speakers": "Zoe\nAda (remote)\n李雷（远程）"},
                    event=event)
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    talk = services.talk_add(actor=organiser, event=event, title="Fins",
                             speaker_names=data["speaker_names"],
                             remote_speakers=data["remote_speakers"])
    assert [(ts.speaker.name, ts.remote) for ts in talk.lineup] == [
        ("Zoe", False), ("Ada", True), ("李雷", True)]
    page = client.get(event.get_absolute_url()).text
    assert page.index("Zoe") < page.index("Ada") < page.index("李雷")
    assert TalkForm.initial_for(talk)["speakers"] == "Zoe\nAda (remote)\n李雷 (remote)"


def test_speaker_page_lists_a_talk_once(client, event):
    speaker = SpeakerFactory(name="Ada")
    TalkFactory(event=event, speakers=[speaker], title="Fins")
    assert client.get(speaker.get_absolute_url()).text.count("Fins") == 1


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


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1600, 1200), (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {2: (22.0, 17.0, 0.0), 1: "N"}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_organiser_edits_a_speaker_with_photo_and_account(client, organiser, event):
    speaker = SpeakerFactory(name="Ada")
    TalkFactory(event=event, speakers=[speaker])
    member = UserFactory(username="ada")
    client.force_login(organiser)
    url = reverse("events:speaker_edit", kwargs={"slug": speaker.slug})
    response = client.post(url, {
        "name": "Ada L.", "bio": "Writes **notebooks**.", "url": "https://ada.example",
        "username": "ADA", "photo": SimpleUploadedFile("me.jpg", _jpeg_with_gps())})
    assert response.status_code == 302
    speaker.refresh_from_db()
    assert (speaker.name, speaker.url, speaker.user) == ("Ada L.", "https://ada.example",
                                                         member)
    photo = client.get(speaker.photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    data = b"".join(photo.streaming_content) if photo.streaming else photo.content
    with Image.open(io.BytesIO(data)) as stored:
        assert max(stored.size) <= 800 and not stored.getexif()
    page = client.get(speaker.get_absolute_url()).text
    assert "<strong>notebooks</strong>" in page and speaker.photo_url in page


def test_a_broken_photo_is_refused(client, organiser):
    speaker = SpeakerFactory()
    client.force_login(organiser)
    response = client.post(reverse("events:speaker_edit", kwargs={"slug": speaker.slug}),
                           {"name": "x", "photo": SimpleUploadedFile("x.jpg", b"not an image")})
    assert response.status_code == 200
    speaker.refresh_from_db()
    assert not speaker.photo


def test_the_linked_member_edits_their_profile_but_not_the_link(client, event):
    member = UserFactory(username="ada")
    speaker = SpeakerFactory(name="Ada", user=member)
    TalkFactory(event=event, speakers=[speaker])
    client.force_login(member)
    url = reverse("events:speaker_edit", kwargs={"slug": speaker.slug})
    page = client.get(url).text
    assert 'name="username"' not in page
    client.post(url, {"name": "Ada", "bio": "Hello", "username": "someone-else"})
    speaker.refresh_from_db()
    assert speaker.bio == "Hello" and speaker.user == member
    stranger = UserFactory(username="stranger")
    client.force_login(stranger)
    assert client.get(url).status_code == 403


def test_a_speaker_of_drafts_only_is_hidden_with_their_photo(client, organiser):

    speaker = SpeakerFactory()
    TalkFactory(event__status=Event.Status.DRAFT, speakers=[speaker])
    Speaker.objects.filter(pk=speaker.pk).update(photo="events/speakers/x.jpg")
    assert client.get(speaker.get_absolute_url()).status_code == 404
    assert client.get(reverse("events:speaker_photo",
                              kwargs={"slug": speaker.slug})).status_code == 404


# --- a talk presents a leaderboard model -------------------------------------------------


def test_the_organiser_picks_a_model_for_a_talk_among_those_anyone_may_see(
        client, organiser, event, board):
    done = board.add(name="fin-net", map5=0.6)
    board.add(name="failed-net", status="failed")
    board.add(name="queued-net", status="queued")
    client.force_login(organiser)
    url = reverse("events:talk_add", kwargs={"slug": event.slug})
    form = client.get(url).text
    assert "fin-net" in form and "failed-net" not in form and "queued-net" not in form
    assert client.post(url, {"title": "Fins", "speakers": "Ada",
                             "model_submission": str(done["id"])}).status_code == 302
    talk = event.talks.get()
    assert talk.model_submission == done["id"]
    edit = reverse("events:talk_edit", kwargs={"slug": event.slug, "pk": talk.pk})
    response = client.post(edit, {"title": "Fins", "speakers": "Ada",
                                  "model_submission": "2"})  # the failed one
    assert response.status_code == 200 and "valid choice" in response.text
    done["status"] = "failed"  # hidden now: still offered as the current choice, kept
    assert f"#{done['id']} (not on the board now)" in client.get(edit).text
    assert client.post(edit, {"title": "Fins 2", "speakers": "Ada",
                              "model_submission": str(done["id"])}).status_code == 302
    talk.refresh_from_db()
    assert talk.title == "Fins 2" and talk.model_submission == done["id"]


def test_without_a_leaderboard_the_talk_form_has_no_model_and_keeps_the_link(
        client, organiser, event, no_board):
    talk = TalkFactory(event=event, model_submission=7)
    client.force_login(organiser)
    edit = reverse("events:talk_edit", kwargs={"slug": event.slug, "pk": talk.pk})
    assert 'name="model_submission"' not in client.get(edit).text
    assert client.post(edit, {"title": "Renamed", "speakers": "Ada"}).status_code == 302
    talk.refresh_from_db()
    assert talk.title == "Renamed" and talk.model_submission == 7
