"""Issue #15, defect 5: speakers can be edited (bio, photo, website, linked account);
a photo is re-encoded without EXIF and served only through a view."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events.models import Speaker
from tests.events.factories import SpeakerFactory, TalkFactory, UserFactory

pytestmark = pytest.mark.django_db


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
    from events.models import Event

    speaker = SpeakerFactory()
    TalkFactory(event__status=Event.Status.DRAFT, speakers=[speaker])
    Speaker.objects.filter(pk=speaker.pk).update(photo="events/speakers/x.jpg")
    assert client.get(speaker.get_absolute_url()).status_code == 404
    assert client.get(reverse("events:speaker_photo",
                              kwargs={"slug": speaker.slug})).status_code == 404
