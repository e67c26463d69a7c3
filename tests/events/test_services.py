import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from events import rules, selectors, services
from events.models import RSVP, Event, Material
from tests.events.factories import (
    EventFactory,
    MaterialFactory,
    PhotoFactory,
    RecordingFactory,
    RSVPFactory,
    TalkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _png(size=(40, 30), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(out, format=fmt)
    return out.getvalue()


def _notebook() -> bytes:
    return json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Hi"}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }).encode()


# --- events ----------------------------------------------------------------------------

def test_event_create_makes_a_draft_organised_by_the_actor(organiser):
    start = timezone.now() + timedelta(days=3)
    event = services.event_create(actor=organiser, title="Keras night", starts_at=start,
                                  ends_at=start + timedelta(hours=2), tags=["keras", "tfug"])
    assert event.status == Event.Status.DRAFT
    assert list(event.organisers.all()) == [organiser]
    assert sorted(t.slug for t in event.tags.all()) == ["keras", "tfug"]
    assert "keras-night" in event.slug


def test_event_create_refuses_members_and_bad_times(organiser, member):
    start = timezone.now()
    with pytest.raises(PermissionDenied):
        services.event_create(actor=member, title="x", starts_at=start,
                              ends_at=start + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.event_create(actor=organiser, title="x", starts_at=start, ends_at=start)
    with pytest.raises(ValidationError):
        services.event_create(actor=organiser, title="x", starts_at=start,
                              ends_at=start + timedelta(hours=1), timezone_name="Mars/Base")


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


def test_publish_cancel_and_copy(organiser):
    event = EventFactory(organisers=[organiser], status=Event.Status.DRAFT, capacity=12,
                         stream_url="https://example.org/live")
    event.tags.set(services.tags_get_or_create(names=["tfug"]))
    services.event_publish(actor=organiser, event=event)
    assert event.status == Event.Status.PUBLISHED and event.published_at
    member = UserFactory(username="m1", email="m1@example.org")
    services.rsvp_create(actor=member, event=event)
    mail.outbox.clear()
    copy = services.event_copy(actor=organiser, event=event,
                               starts_at=event.starts_at + timedelta(days=28))
    assert copy.status == Event.Status.DRAFT
    assert copy.venue == event.venue and copy.capacity == 12
    assert copy.ends_at - copy.starts_at == event.ends_at - event.starts_at
    assert [t.slug for t in copy.tags.all()] == ["tfug"]
    assert copy.rsvps.count() == 0 and copy.slug != event.slug
    event, _queued = services.event_cancel(actor=organiser, event=event)
    assert event.status == Event.Status.CANCELLED
    with pytest.raises(ValidationError):
        services.event_publish(actor=organiser, event=event)


def test_event_cancel_emails_everyone_who_answered(organiser, django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser])
    RSVPFactory(event=event, user=UserFactory(username="a", email="a@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=organiser, event=event)
    assert len(mail.outbox) == 1 and "a@example.org" in mail.outbox[0].to


# --- RSVPs and the waitlist ------------------------------------------------------------

def test_rsvp_takes_seats_then_waitlists(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    first, second = UserFactory(username="a"), UserFactory(username="b")
    assert services.rsvp_create(actor=first, event=event).status == RSVP.Status.GOING
    assert services.rsvp_create(actor=second, event=event).status == RSVP.Status.WAITLISTED
    # online places are unlimited
    online = services.rsvp_create(actor=UserFactory(username="c"), event=event, mode="online")
    assert online.status == RSVP.Status.GOING
    seats = selectors.event_seats(event=event)
    assert (seats.taken, seats.waitlist, seats.full) == (1, 1, True)


def test_rsvp_twice_is_idempotent(event, member):
    a = services.rsvp_create(actor=member, event=event)
    b = services.rsvp_create(actor=member, event=event)
    assert a.pk == b.pk and RSVP.objects.count() == 1


def test_rsvp_refuses_drafts_and_past_events(member, organiser):
    draft = EventFactory(status=Event.Status.DRAFT)
    with pytest.raises(ValidationError):
        services.rsvp_create(actor=member, event=draft)
    past = EventFactory(starts_at=timezone.now() - timedelta(days=2))
    with pytest.raises(ValidationError):
        services.rsvp_create(actor=member, event=past)


def test_cancel_promotes_first_on_waitlist_and_emails_them(
        organiser, django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser], capacity=1)
    going = UserFactory(username="going")
    first = UserFactory(username="first", email="first@example.org")
    second = UserFactory(username="second", email="second@example.org")
    services.rsvp_create(actor=going, event=event)
    services.rsvp_create(actor=first, event=event)
    services.rsvp_create(actor=second, event=event)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.rsvp_cancel(actor=going, event=event)
    assert RSVP.objects.get(user=first).status == RSVP.Status.GOING
    assert RSVP.objects.get(user=second).status == RSVP.Status.WAITLISTED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["first@example.org"]
    assert event.title in mail.outbox[0].subject


def test_switching_to_online_frees_the_seat(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    a, b = UserFactory(username="a"), UserFactory(username="b")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_create(actor=b, event=event)
    services.rsvp_create(actor=a, event=event, mode="online")
    assert RSVP.objects.get(user=b).status == RSVP.Status.GOING


def test_larger_capacity_promotes_the_waitlist(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    services.rsvp_create(actor=UserFactory(username="a"), event=event)
    waiting = services.rsvp_create(actor=UserFactory(username="b"), event=event)
    services.event_update(actor=organiser, event=event, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == RSVP.Status.GOING


def test_cancel_then_rsvp_again_goes_to_the_back(organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    a = UserFactory(username="a")
    services.rsvp_create(actor=a, event=event)
    services.rsvp_cancel(actor=a, event=event)
    assert services.rsvp_cancel(actor=a, event=event) is None
    assert services.rsvp_create(actor=a, event=event).status == RSVP.Status.GOING


# --- attendance ------------------------------------------------------------------------

def test_check_in_counts_and_walk_ins(event, organiser, other_organiser):
    onsite = RSVPFactory(event=event)
    online = RSVPFactory(event=event, mode=RSVP.Mode.ONLINE)
    RSVPFactory(event=event)  # answered yes, never came
    services.attendance_check_in(actor=organiser, event=event, rsvp=onsite)
    services.attendance_check_in(actor=organiser, event=event, rsvp=online)
    services.attendance_walk_ins_set(actor=organiser, event=event, onsite=19, online=2)
    counts = selectors.attendance_counts(event=event)
    assert (counts.onsite, counts.online, counts.total) == (20, 3, 23)
    services.attendance_check_in(actor=organiser, event=event, rsvp=onsite, present=False)
    assert selectors.attendance_counts(event=event).onsite == 19
    with pytest.raises(ValidationError):
        services.attendance_walk_ins_set(actor=organiser, event=event, onsite=-1, online=0)
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(actor=other_organiser, event=event, rsvp=onsite)


def test_check_in_refuses_rsvp_of_another_event(event, organiser):
    with pytest.raises(ValidationError):
        services.attendance_check_in(actor=organiser, event=event, rsvp=RSVPFactory())


# --- talks, recordings, materials, photos -----------------------------------------------

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


def test_recording_with_access_code_and_embed(event, organiser):
    rec = services.recording_add(actor=organiser, event=event, title="Audio", kind="audio",
                                 provider="drive", url="https://pan.baidu.com/s/abc",
                                 access_code="y9ey", duration=timedelta(minutes=95))
    assert rec.access_code == "y9ey" and rec.embed_url == ""
    other_talk = TalkFactory()
    with pytest.raises(ValidationError):
        services.recording_add(actor=organiser, event=event, title="x",
                               url="https://example.org", talk=other_talk)
    assert list(selectors.recording_list_latest(limit=5)) == [rec]


def test_recording_list_latest_hides_drafts(organiser):
    draft = EventFactory(status=Event.Status.DRAFT, organisers=[organiser])
    services.recording_add(actor=organiser, event=draft, title="x", url="https://example.org")
    assert list(selectors.recording_list_latest(limit=5)) == []


def test_photos_upload_makes_thumbnails(event, organiser):
    files = [SimpleUploadedFile("a.png", _png((1200, 900))),
             SimpleUploadedFile("b.jpg", _png(fmt="JPEG"))]
    report = services.photos_upload(actor=organiser, event=event, uploads=files,
                                    caption="Room")
    assert len(report.saved) == 2 and report.refused == []
    with Image.open(report.saved[0].thumbnail.path) as thumb:
        assert max(thumb.size) <= 480
    assert report.saved[0].width == 1200 and report.saved[0].caption == "Room"


def test_photos_upload_refuses_bad_files_by_content_size_and_pixels(event, organiser, settings):
    report = services.photos_upload(actor=organiser, event=event,
                                    uploads=[SimpleUploadedFile("x.jpg", b"<script>")])
    assert report.saved == [] and report.refused[0][0] == "x.jpg"
    assert "not an image" in report.refused[0][1]
    settings.UPLOAD_MAX_BYTES = 100
    report = services.photos_upload(actor=organiser, event=event,
                                    uploads=[SimpleUploadedFile("big.png", _png((300, 300)))])
    assert "too large" in report.refused[0][1]
    settings.UPLOAD_MAX_BYTES = 10_000_000
    settings.UPLOAD_MAX_PIXELS = 1000
    report = services.photos_upload(actor=organiser, event=event,
                                    uploads=[SimpleUploadedFile("wide.png", _png((100, 100)))])
    assert "too many pixels" in report.refused[0][1]
    assert event.photos.count() == 0
    with pytest.raises(ValidationError, match="at least one"):
        services.photos_upload(actor=organiser, event=event, uploads=[])


def test_photos_upload_strips_exif(event, organiser):
    img = Image.new("RGB", (20, 20))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    photo = services.photos_upload(
        actor=organiser, event=event,
        uploads=[SimpleUploadedFile("e.jpg", out.getvalue())]).saved[0]
    with Image.open(photo.image.path) as saved:
        assert not saved.getexif()


def test_material_notebook_is_validated(event, organiser):
    good = services.material_add(actor=organiser, event=event, title="nb", kind="notebook",
                                 upload=SimpleUploadedFile("demo.ipynb", _notebook()))
    assert good.kind == Material.Kind.NOTEBOOK and good.is_rendered_notebook
    with pytest.raises(ValidationError, match="not a valid Jupyter notebook"):
        services.material_add(actor=organiser, event=event, title="bad", kind="notebook",
                              upload=SimpleUploadedFile("bad.ipynb", b"{not json"))
    with pytest.raises(ValidationError, match="not a valid Jupyter notebook"):
        services.material_add(actor=organiser, event=event, title="bad", kind="notebook",
                              upload=SimpleUploadedFile("bad.ipynb", b'{"cells": 3}'))
    with pytest.raises(ValidationError):
        services.material_add(actor=organiser, event=event, title="none", kind="slides")
    link = services.material_add(actor=organiser, event=event, title="slides", kind="slides",
                                 url="https://example.org/slides.pdf")
    assert not link.is_rendered_notebook


def test_post_write_needs_the_events_organiser(event, organiser, other_organiser):
    post = services.post_write(actor=organiser, event=event, title="Summary", body="我们" * 30)
    assert post.language == "zh-hans" and post.slug == "summary"
    with pytest.raises(PermissionDenied):
        services.post_write(actor=other_organiser, event=event, title="x", body="y")


# --- editing and deleting talks, recordings, materials and photos ----------------------

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


def test_recording_update_and_delete(event, organiser):
    recording = RecordingFactory(event=event)
    services.recording_update(actor=organiser, recording=recording, title="Audio",
                              url="https://pan.baidu.com/s/abc", kind="audio",
                              provider="drive", access_code="y9ey",
                              duration=timedelta(minutes=90))
    recording.refresh_from_db()
    assert (recording.title, recording.provider, recording.access_code) == \
        ("Audio", "drive", "y9ey")
    with pytest.raises(ValidationError):
        services.recording_update(actor=organiser, recording=recording, title="x",
                                  url="https://example.org", talk=TalkFactory())
    services.recording_delete(actor=organiser, recording=recording)
    assert not event.recordings.exists()


def test_material_update_keeps_or_replaces_the_file(
        event, organiser, django_capture_on_commit_callbacks):
    material = MaterialFactory(event=event)
    old_name = material.file.name
    storage = material.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.material_update(actor=organiser, material=material, title="Renamed",
                                 kind="slides")
    material.refresh_from_db()
    assert material.title == "Renamed" and material.file.name == old_name
    assert storage.exists(old_name)
    with django_capture_on_commit_callbacks(execute=True):
        services.material_update(actor=organiser, material=material, title="v2",
                                 kind="notebook",
                                 upload=SimpleUploadedFile("v2.ipynb", _notebook()))
    material.refresh_from_db()
    assert material.kind == Material.Kind.NOTEBOOK and material.file.name.endswith(".ipynb")
    assert not storage.exists(old_name) and storage.exists(material.file.name)
    with pytest.raises(ValidationError):  # a PDF cannot become a notebook
        services.material_update(actor=organiser, material=MaterialFactory(event=event),
                                 title="x", kind="notebook")


def test_material_update_needs_a_link_or_a_file(event, organiser):
    material = MaterialFactory(event=event, file=None, url="https://example.org/s.pdf")
    with pytest.raises(ValidationError, match="link or upload"):
        services.material_update(actor=organiser, material=material, title="x",
                                 kind="slides", url="")


def test_material_delete_removes_its_file(event, organiser, django_capture_on_commit_callbacks):
    material = MaterialFactory(event=event)
    name, storage = material.file.name, material.file.storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.material_delete(actor=organiser, material=material)
    assert not Material.objects.filter(pk=material.pk).exists()
    assert not storage.exists(name)


def test_photo_delete_removes_image_and_thumbnail(
        event, organiser, django_capture_on_commit_callbacks):
    photo = services.photos_upload(actor=organiser, event=event,
                                   uploads=[SimpleUploadedFile("a.png", _png())]).saved[0]
    names, storage = [photo.image.name, photo.thumbnail.name], photo.image.storage
    assert all(storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(actor=organiser, photo=photo)
    assert not event.photos.exists()
    assert not any(storage.exists(n) for n in names)


def test_photo_delete_of_an_external_photo_and_a_missing_file(event, organiser):
    external = services.photo_add_external(actor=organiser, event=event,
                                           url="https://example.org/a.jpg")
    services.photo_delete(actor=organiser, photo=external)
    gone = PhotoFactory(event=event)
    gone.image.storage.delete(gone.image.name)
    services.photo_delete(actor=organiser, photo=gone)  # a lost file does not stop it
    assert not event.photos.exists()


def test_a_failed_delete_keeps_the_files(event, organiser, django_capture_on_commit_callbacks):
    from django.db import transaction

    photo = PhotoFactory(event=event)
    pk, name, storage = photo.pk, photo.image.name, photo.image.storage
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(RuntimeError), transaction.atomic():
        services.photo_delete(actor=organiser, photo=photo)
        raise RuntimeError("rolled back")
    assert callbacks == [] and storage.exists(name)
    assert event.photos.filter(pk=pk).exists()


@pytest.mark.parametrize("who", ["anonymous", "member", "other_organiser"])
def test_only_this_events_organisers_edit_and_delete_content(event, request, who):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    talk, recording = TalkFactory(event=event), RecordingFactory(event=event)
    material, photo = MaterialFactory(event=event), PhotoFactory(event=event)
    calls = [
        lambda: services.talk_update(actor=actor, talk=talk, title="x", speaker_names=["A"]),
        lambda: services.talk_delete(actor=actor, talk=talk),
        lambda: services.recording_update(actor=actor, recording=recording, title="x",
                                          url="https://example.org"),
        lambda: services.recording_delete(actor=actor, recording=recording),
        lambda: services.material_update(actor=actor, material=material, title="x",
                                         kind="slides"),
        lambda: services.material_delete(actor=actor, material=material),
        lambda: services.photo_delete(actor=actor, photo=photo),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert event.talks.count() == event.recordings.count() == 1
    assert event.materials.count() == event.photos.count() == 1
