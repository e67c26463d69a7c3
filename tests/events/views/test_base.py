"""What every organiser page shares: only the event's organisers (and superusers) reach
it, content of another event is not found, edits show current values, deletes ask first."""

import pytest
from django.urls import reverse

from tests.events.factories import (
    EventFactory,
    MaterialFactory,
    PhotoFactory,
    RecordingFactory,
    TalkFactory,
    UserFactory,
)
from tests.events.support import login

pytestmark = pytest.mark.django_db


ORGANISER_GETS = ["events:manage", "events:edit", "events:copy", "events:talk_add",
                  "events:recording_add", "events:material_add", "events:photos_upload",
                  "events:post_add", "events:cancel", "events:delete"]


ORGANISER_POSTS = ["events:publish", "events:walk_ins", "events:unpublish",
                   "events:organiser_add"]


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


@pytest.mark.parametrize("name", ORGANISER_GETS + ORGANISER_POSTS)
def test_anonymous_is_sent_to_log_in(client, event, name):
    url = reverse(name, kwargs={"slug": event.slug})
    response = client.post(url) if name in ORGANISER_POSTS else client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["member", "other_organiser"])
@pytest.mark.parametrize("name", ORGANISER_GETS + ORGANISER_POSTS)
def test_member_and_other_organiser_are_refused(client, event, request, who, name):
    login(client, request.getfixturevalue(who))
    url = reverse(name, kwargs={"slug": event.slug})
    response = client.post(url) if name in ORGANISER_POSTS else client.get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("name", ORGANISER_GETS)
def test_this_events_organiser_gets_every_page(client, event, organiser, name):
    login(client, organiser)
    assert client.get(reverse(name, kwargs={"slug": event.slug})).status_code == 200


def test_superuser_may_manage_any_event(client, event):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    login(client, admin)
    assert client.get(reverse("events:manage", kwargs={"slug": event.slug})).status_code == 200


@pytest.mark.parametrize(("name", "what"), CONTENT_PAGES)
def test_content_pages_per_role(client, event, content, member, other_organiser, organiser,
                                name, what):
    url = _content_url(event, content, name, what)
    assert "/login/" in client.get(url)["Location"]
    assert "/login/" in client.post(url)["Location"]
    for user in (member, other_organiser):
        login(client, user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    login(client, organiser)
    assert client.get(url).status_code == 200
    assert type(content[what]).objects.filter(pk=content[what].pk).exists()


@pytest.mark.parametrize(("name", "what"), CONTENT_PAGES)
def test_content_of_another_event_is_not_found(client, organiser, content, name, what):
    mine = EventFactory(organisers=[organiser])
    login(client, organiser)
    assert client.get(_content_url(mine, content, name, what)).status_code == 404


@pytest.mark.parametrize("what", ["talk", "recording", "material", "photo"])
def test_delete_asks_then_deletes_on_post_only(client, event, content, organiser, what,
                                               django_capture_on_commit_callbacks):
    login(client, organiser)
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
    login(client, organiser)
    html = client.get(reverse("events:manage", kwargs={"slug": event.slug})).content.decode()
    for name, what in CONTENT_PAGES:
        assert _content_url(event, content, name, what) in html


def test_edit_pages_show_and_save_the_current_values(client, event, content, organiser):
    login(client, organiser)
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
