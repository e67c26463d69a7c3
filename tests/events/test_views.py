import pytest
from django.urls import reverse

from events.models import RSVP, Event
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


def _login(client, user):
    client.force_login(user)
    return client


ORGANISER_GETS = ["events:manage", "events:edit", "events:copy", "events:talk_add",
                  "events:recording_add", "events:material_add", "events:photos_upload",
                  "events:post_add", "events:cancel", "events:delete"]
ORGANISER_POSTS = ["events:publish", "events:walk_ins", "events:unpublish",
                   "events:organiser_add"]


@pytest.mark.parametrize("name", ORGANISER_GETS + ORGANISER_POSTS)
def test_anonymous_is_sent_to_log_in(client, event, name):
    url = reverse(name, kwargs={"slug": event.slug})
    response = client.post(url) if name in ORGANISER_POSTS else client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["member", "other_organiser"])
@pytest.mark.parametrize("name", ORGANISER_GETS + ORGANISER_POSTS)
def test_member_and_other_organiser_are_refused(client, event, request, who, name):
    _login(client, request.getfixturevalue(who))
    url = reverse(name, kwargs={"slug": event.slug})
    response = client.post(url) if name in ORGANISER_POSTS else client.get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("name", ORGANISER_GETS)
def test_this_events_organiser_gets_every_page(client, event, organiser, name):
    _login(client, organiser)
    assert client.get(reverse(name, kwargs={"slug": event.slug})).status_code == 200


def test_create_page_only_for_organisers(client, member, organiser):
    url = reverse("events:create")
    assert client.get(url).status_code == 302
    _login(client, member)
    assert client.get(url).status_code == 403
    _login(client, organiser)
    assert client.get(url).status_code == 200


def test_organiser_creates_previews_and_publishes(client, organiser):
    _login(client, organiser)
    response = client.post(reverse("events:create"), {
        "title": "Keras night", "description": "Bring a *laptop*", "timezone": "Asia/Shanghai",
        "starts_at": "2030-03-02T14:00", "ends_at": "2030-03-02T17:00", "capacity": "20",
        "venue_name": "Loft", "venue_address": "5 Nanteng St", "venue_latitude": "22.27",
        "venue_longitude": "113.57", "venue_directions": "Bus 3", "tags": "keras tfug",
        "new_series": "Monthly",
    })
    assert response.status_code == 302
    event = Event.objects.get(title="Keras night")
    assert event.status == Event.Status.DRAFT
    assert event.starts_at.isoformat() == "2030-03-02T06:00:00+00:00"
    assert event.venue.map_link.startswith("https://www.openstreetmap.org/")
    assert event.series.name == "Monthly"
    # the draft is a preview for its organisers, hidden from everyone else
    assert client.get(event.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(event.get_absolute_url()).status_code == 404
    _login(client, organiser)
    client.post(reverse("events:publish", kwargs={"slug": event.slug}))
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    client.logout()
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Keras night" in page and "<em>laptop</em>" in page


def test_event_page_shows_times_in_the_events_zone(client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime(2031, 1, 5, 13, 42, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = EventFactory(starts_at=start, ends_at=start.replace(hour=16))
    response = client.get(event.get_absolute_url(), headers={"Cookie": "tz=UTC"})
    assert "1:42 p.m." in response.content.decode()


def test_edit_copy_and_check_in(client, event, organiser):
    _login(client, organiser)
    data = {"title": "Renamed", "timezone": "Asia/Shanghai", "starts_at": "2030-03-02T14:00",
            "ends_at": "2030-03-02T17:00", "capacity": "5"}
    assert client.post(reverse("events:edit", kwargs={"slug": event.slug}), data)\
        .status_code == 302
    event.refresh_from_db()
    assert event.title == "Renamed" and event.capacity == 5
    client.post(reverse("events:copy", kwargs={"slug": event.slug}),
                {"title": "Next", "starts_at": "2030-04-06T14:00"})
    assert Event.objects.filter(title="Next", status=Event.Status.DRAFT).exists()
    rsvp = RSVPFactory(event=event)
    client.post(reverse("events:check_in", kwargs={"slug": event.slug, "pk": rsvp.pk}),
                {"present": "1"})
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is not None
    client.post(reverse("events:walk_ins", kwargs={"slug": event.slug}),
                {"onsite": "19", "online": "3"})
    event.refresh_from_db()
    assert (event.walk_ins_onsite, event.walk_ins_online) == (19, 3)


def test_rsvp_only_by_post(client, event, member):
    url = reverse("events:rsvp", kwargs={"slug": event.slug})
    assert client.post(url, {"mode": "onsite"}).status_code == 302  # to log in
    assert not RSVP.objects.exists()
    _login(client, member)
    assert client.get(url).status_code == 405
    assert not RSVP.objects.exists()
    client.post(url, {"mode": "onsite"})
    assert RSVP.objects.get().status == RSVP.Status.GOING
    assert client.get(reverse("events:rsvp_cancel", kwargs={"slug": event.slug})) \
        .status_code == 405
    client.post(reverse("events:rsvp_cancel", kwargs={"slug": event.slug}))
    assert RSVP.objects.get().status == RSVP.Status.CANCELLED


def test_full_event_offers_the_waitlist(client, member):
    event = EventFactory(capacity=1)
    RSVPFactory(event=event)
    _login(client, member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Join the waitlist" in page
    client.post(reverse("events:rsvp", kwargs={"slug": event.slug}), {"mode": "onsite"})
    assert RSVP.objects.get(user=member).status == RSVP.Status.WAITLISTED


def test_event_page_embeds_only_allowed_players(client, organiser):
    from events import services

    event = EventFactory(organisers=[organiser])
    services.recording_add(actor=organiser, event=event, title="YT", provider="youtube",
                           url="https://www.youtube.com/watch?v=qyvlt7kiQoI")
    services.recording_add(actor=organiser, event=event, title="Audio", provider="drive",
                           url="https://pan.baidu.com/s/x", access_code="y9ey", kind="audio")
    response = client.get(event.get_absolute_url())
    page = response.content.decode()
    assert page.count("<iframe") == 1
    assert 'src="https://www.youtube-nocookie.com/embed/qyvlt7kiQoI"' in page
    assert "y9ey" in page
    csp = response["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com https://www.youtube.com " \
           "https://player.bilibili.com" in csp
    assert "style=" not in page and "<script>" not in page


def test_public_pages(client, organiser):
    from events import services

    event = EventFactory(organisers=[organiser])
    talk = services.talk_add(actor=organiser, event=event, title="Fins and TensorFlow",
                             speaker_names=["Ada"])
    event.tags.set(services.tags_get_or_create(names=["keras"]))
    post = services.post_write(actor=organiser, event=event, title="Keras summary", body="ok",
                              tags=["keras"])
    speaker = talk.speakers.get()
    for url in [reverse("events:list"), reverse("events:speaker_list"),
                speaker.get_absolute_url(), reverse("events:tag", kwargs={"slug": "keras"}),
                reverse("events:post_list"), post.get_absolute_url(),
                reverse("events:series", kwargs={"slug": "none"})]:
        response = client.get(url)
        assert response.status_code in (200, 404), url
    assert "Fins and TensorFlow" in client.get(speaker.get_absolute_url()).content.decode()
    found = client.get(reverse("events:search"), {"q": "fins"}).content.decode()
    assert "Fins and TensorFlow" in found
    found = client.get(reverse("events:search"), {"q": "Keras"}).content.decode()
    assert "Keras summary" in found and event.title in found


def test_notebook_page_renders_sanitised(client, organiser):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from events import services

    event = EventFactory(organisers=[organiser])
    nb = json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "id": "x",
                                "source": "# Digits\n<script>alert(1)</script>"}],
                     "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    material = services.material_add(actor=organiser, event=event, title="nb",
                                     kind="notebook",
                                     upload=SimpleUploadedFile("d.ipynb", nb))
    page = client.get(material.get_absolute_url()).content.decode()
    assert "Digits" in page and "alert(1)" not in page


def test_photo_upload_page_reports_bad_file(client, event, organiser):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client, organiser)
    response = client.post(reverse("events:photos_upload", kwargs={"slug": event.slug}),
                           {"photos": [SimpleUploadedFile("x.jpg", b"nope")]})
    assert response.status_code == 200
    assert "x.jpg was not saved: This file is not an image we can read." in \
        response.content.decode()
    assert not event.photos.exists()


def test_superuser_may_manage_any_event(client, event):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    _login(client, admin)
    assert client.get(reverse("events:manage", kwargs={"slug": event.slug})).status_code == 200


# --- editing and deleting content ------------------------------------------------------

CONTENT_PAGES = [("events:talk_edit", "talk"), ("events:talk_delete", "talk"),
                 ("events:recording_edit", "recording"),
                 ("events:recording_delete", "recording"),
                 ("events:material_edit", "material"), ("events:material_delete", "material"),
                 ("events:photo_delete", "photo")]


@pytest.fixture
def content(event):
    return {"talk": TalkFactory(event=event), "recording": RecordingFactory(event=event),
            "material": MaterialFactory(event=event), "photo": PhotoFactory(event=event)}


def _content_url(event, content, name, what):
    return reverse(name, kwargs={"slug": event.slug, "pk": content[what].pk})


@pytest.mark.parametrize(("name", "what"), CONTENT_PAGES)
def test_content_pages_per_role(client, event, content, member, other_organiser, organiser,
                                name, what):
    url = _content_url(event, content, name, what)
    assert "/login/" in client.get(url)["Location"]
    assert "/login/" in client.post(url)["Location"]
    for user in (member, other_organiser):
        _login(client, user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    _login(client, organiser)
    assert client.get(url).status_code == 200
    assert type(content[what]).objects.filter(pk=content[what].pk).exists()


@pytest.mark.parametrize(("name", "what"), CONTENT_PAGES)
def test_content_of_another_event_is_not_found(client, organiser, content, name, what):
    mine = EventFactory(organisers=[organiser])
    _login(client, organiser)
    assert client.get(_content_url(mine, content, name, what)).status_code == 404


@pytest.mark.parametrize("what", ["talk", "recording", "material", "photo"])
def test_delete_asks_then_deletes_on_post_only(client, event, content, organiser, what,
                                               django_capture_on_commit_callbacks):
    _login(client, organiser)
    url = _content_url(event, content, f"events:{what}_delete", what)
    page = client.get(url)
    assert page.status_code == 200 and b'id="confirm-delete"' in page.content
    assert client.put(url).status_code == 405
    obj = content[what]
    assert type(obj).objects.filter(pk=obj.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("events:manage", kwargs={"slug": event.slug})
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_manage_page_links_to_edit_and_delete(client, event, content, organiser):
    _login(client, organiser)
    html = client.get(reverse("events:manage", kwargs={"slug": event.slug})).content.decode()
    for name, what in CONTENT_PAGES:
        assert _content_url(event, content, name, what) in html


def test_edit_pages_show_and_save_the_current_values(client, event, content, organiser):
    _login(client, organiser)
    talk = content["talk"]
    url = _content_url(event, content, "events:talk_edit", "talk")
    assert talk.speakers.get().name in client.get(url).content.decode()
    response = client.post(url, {"title": "Renamed talk", "speakers": "Ada, 李雷",
                                 "abstract": "", "starts_at": ""})
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.title == "Renamed talk"
    assert sorted(s.name for s in talk.speakers.all()) == ["Ada", "李雷"]

    url = _content_url(event, content, "events:recording_edit", "recording")
    assert client.post(url, {"title": "Video", "kind": "video", "provider": "bilibili",
                             "url": "https://www.bilibili.com/video/BV1xx411c7mD",
                             "duration_minutes": "60", "talk": talk.pk}).status_code == 302
    content["recording"].refresh_from_db()
    assert content["recording"].provider == "bilibili" and content["recording"].talk == talk

    material = content["material"]
    url = _content_url(event, content, "events:material_edit", "material")
    assert "slides" in client.get(url).content.decode()  # the file it keeps
    assert client.post(url, {"title": "Deck", "kind": "slides", "url": ""}).status_code == 302
    material.refresh_from_db()
    assert material.title == "Deck" and material.file


# --- uploading summary posts ------------------------------------------------------------

def _md(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/markdown")


GOOD_POST = "---\ntitle: 首次活动小结\ntags: tfug meetup\n---\n\n现场 22+ 人\n"


def test_post_upload_pages_per_role(client, event, member, other_organiser, organiser):
    event_url = reverse("events:post_import_event", kwargs={"slug": event.slug})
    global_url = reverse("events:post_import")
    for url in (event_url, global_url):
        assert "/login/" in client.get(url)["Location"]
    _login(client, member)
    assert client.get(event_url).status_code == 403
    assert client.get(global_url).status_code == 403
    assert "events/posts/import/" not in client.get(reverse("events:post_list")).content.decode()
    _login(client, other_organiser)
    assert client.get(event_url).status_code == 403
    assert client.post(event_url, {"files": _md("x.md", GOOD_POST)}).status_code == 403
    _login(client, organiser)
    assert client.get(event_url).status_code == 200
    assert client.get(global_url).status_code == 200
    assert global_url in client.get(reverse("events:post_list")).content.decode()
    assert event_url in client.get(reverse("events:manage",
                                           kwargs={"slug": event.slug})).content.decode()


def test_organiser_uploads_a_summary_post(client, event, organiser):
    _login(client, organiser)
    url = reverse("events:post_import_event", kwargs={"slug": event.slug})
    response = client.post(url, {"files": _md("2019-09-09-first.md", GOOD_POST)})
    assert response.status_code == 302
    assert response["Location"] == reverse("events:manage", kwargs={"slug": event.slug})
    post = event.posts.get()
    assert post.slug == "2019-09-09-first" and post.title == "首次活动小结"


def test_post_upload_reports_each_bad_file(client, organiser):
    _login(client, organiser)
    response = client.post(reverse("events:post_import"), {"files": [
        _md("good.md", GOOD_POST), _md("broken.md", "---\ntitle: [oops\n---\n"),
        _md("photo.jpg", "not markdown")]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "broken.md" in html and "not valid YAML" in html
    assert "photo.jpg" in html and "not a Markdown file" in html
    assert reverse("events:post", kwargs={"slug": "good"}) in html
    assert client.post(reverse("events:post_import"), {}).status_code == 200  # no file: form
