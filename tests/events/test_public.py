"""Finding 3 of issue #12: nothing of a draft event leaks, on any surface.

A published event and a draft event share a tag and a series; the draft also has a
tag, a series, a speaker, a talk, a recording, a material, a photo and a summary post
of its own. Every public surface is read as an anonymous visitor and as a plain member:
the published event's things are there (so the page is the right one), the draft's
never are. Its organisers still see and preview everything.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from events import services
from events.models import Event, Material, Photo, Post, Recording, Speaker, Talk
from tests.events.factories import (
    EventFactory,
    MaterialFactory,
    PhotoFactory,
    PostFactory,
    RecordingFactory,
    SeriesFactory,
    SpeakerFactory,
    TagFactory,
    TalkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRETS = ["Secret meetup", "Secret talk", "Hidden Speaker", "Secret summary",
           "Secret recording", "Secret slides", "secret-only-tag", "Secret series"]


@pytest.fixture
def world(organiser):
    soon = timezone.now() + timedelta(days=5)
    shared_tag, secret_tag = TagFactory(slug="shared"), TagFactory(slug="secret-only-tag")
    shared_series = SeriesFactory(slug="monthly", name="Monthly")
    secret_series = SeriesFactory(slug="secret-series", name="Secret series")
    public = EventFactory(title="Open meetup", series=shared_series, starts_at=soon,
                          ends_at=soon + timedelta(hours=2), organisers=[organiser])
    public.tags.set([shared_tag])
    TalkFactory(event=public, title="Open talk", speakers=[SpeakerFactory(name="Open Speaker")])
    RecordingFactory(event=public, title="Open recording")
    PostFactory(event=public, title="Open summary", slug="open-summary").tags.set([shared_tag])

    draft = EventFactory(title="Secret meetup", status=Event.Status.DRAFT, starts_at=soon,
                         ends_at=soon + timedelta(hours=2), series=secret_series,
                         organisers=[organiser])
    draft.tags.set([shared_tag, secret_tag])
    hidden = SpeakerFactory(name="Hidden Speaker", slug="hidden-speaker")
    talk = TalkFactory(event=draft, title="Secret talk", speakers=[hidden])
    RecordingFactory(event=draft, title="Secret recording")
    material = MaterialFactory(event=draft, title="Secret slides")
    photo = PhotoFactory(event=draft, caption="Secret photo")
    post = PostFactory(event=draft, title="Secret summary", slug="secret-summary",
                       body="Secret body")
    post.tags.set([shared_tag, secret_tag])
    # the shared series also holds a draft of its own
    EventFactory(title="Secret meetup two", status=Event.Status.DRAFT, series=shared_series)
    return {"public": public, "draft": draft, "talk": talk, "speaker": hidden,
            "material": material, "photo": photo, "post": post}


@pytest.fixture(params=["anonymous", "member"])
def visitor(request, client, db):
    if request.param == "member":
        client.force_login(UserFactory(username="plain", roles=["volunteer"]))
    return client


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, leaked


@pytest.mark.parametrize(("surface", "expected"), [
    (lambda w: reverse("events:list"), "Open meetup"),
    (lambda w: reverse("events:post_list"), "Open summary"),
    (lambda w: reverse("events:search") + "?q=secret", "Search"),
    (lambda w: reverse("events:search") + "?q=open", "Open talk"),
    (lambda w: reverse("events:atom"), "Open meetup"),
    (lambda w: reverse("events:posts_atom"), "Open summary"),
    (lambda w: reverse("events:calendar_ics"), "Open meetup"),
    (lambda w: reverse("events:speaker_list"), "Open Speaker"),
    (lambda w: reverse("events:tag", kwargs={"slug": "shared"}), "Open summary"),
    (lambda w: reverse("events:series", kwargs={"slug": "monthly"}), "Open meetup"),
    (lambda w: w["public"].get_absolute_url(), "Open talk"),
    (lambda w: reverse("hub:home"), "Open meetup"),
], ids=["events", "posts", "search-secret", "search-open", "events-atom", "posts-atom",
        "calendar", "speakers", "tag", "series", "public-event-page", "home"])
def test_public_surfaces_never_show_a_draft(world, visitor, surface, expected):
    text = _text(visitor.get(surface(world)))
    assert expected in text
    _assert_no_secret(text)


@pytest.mark.parametrize("url", [
    lambda w: w["draft"].get_absolute_url(),
    lambda w: reverse("events:ics", kwargs={"slug": w["draft"].slug}),
    lambda w: w["post"].get_absolute_url(),
    lambda w: w["speaker"].get_absolute_url(),
    lambda w: reverse("events:tag", kwargs={"slug": "secret-only-tag"}),
    lambda w: reverse("events:series", kwargs={"slug": "secret-series"}),
    lambda w: w["material"].file_url,
    lambda w: w["photo"].src,
    lambda w: w["photo"].thumb_src,
], ids=["event", "event-ics", "post", "speaker", "tag", "series", "material-file", "photo",
        "thumbnail"])
def test_a_drafts_own_pages_and_files_are_not_found(world, visitor, url):
    assert visitor.get(url(world)).status_code == 404


def test_a_drafts_notebook_is_not_found_but_its_organisers_preview_it(world, visitor,
                                                                         organiser):
    notebook = services.material_add(
        actor=organiser, event=world["draft"], title="Secret notebook", kind="notebook",
        upload=_notebook_upload())
    assert visitor.get(notebook.get_absolute_url()).status_code == 404
    assert visitor.get(notebook.file_url).status_code == 404
    visitor.force_login(organiser)
    page = _text(visitor.get(notebook.get_absolute_url()))
    assert "Secret notebook" in page and "visible to its organisers only" in page
    assert visitor.get(notebook.file_url).status_code == 200


def _notebook_upload():
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    content = json.dumps({"cells": [{"cell_type": "markdown", "id": "a", "metadata": {},
                                     "source": "# Plan"}],
                          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    return SimpleUploadedFile("plan.ipynb", content)


@pytest.mark.parametrize("who", ["anonymous", "member", "organiser"])
def test_the_api_never_shows_a_draft(world, organiser, who):
    api = APIClient()
    if who == "member":
        api.force_login(UserFactory(username="plain", roles=["volunteer"]))
    elif who == "organiser":  # the API is the public view, even for the draft's organiser
        api.force_login(organiser)
    for url in ["/api/v1/events/", "/api/v1/posts/", f"/api/v1/events/{world['public'].slug}/",
                "/api/v1/posts/?tag=shared", f"/api/v1/posts/?event={world['draft'].slug}"]:
        response = api.get(url)
        assert response.status_code == 200, url
        _assert_no_secret(response.content.decode())
    assert api.get(f"/api/v1/events/{world['draft'].slug}/").status_code == 404
    assert api.get(f"/api/v1/posts/{world['post'].slug}/").status_code == 404


def test_every_model_has_one_public_query(world):
    assert list(Event.objects.public()) == [world["public"]]
    assert set(Talk.objects.public().values_list("title", flat=True)) == {"Open talk"}
    assert set(Speaker.objects.public().values_list("name", flat=True)) == {"Open Speaker"}
    assert set(Recording.objects.public().values_list("title", flat=True)) == \
        {"Open recording"}
    assert not Material.objects.public().exists() and not Photo.objects.public().exists()
    assert set(Post.objects.public().values_list("title", flat=True)) == {"Open summary"}
    world_post = PostFactory(title="No event")  # a post of no event is public
    assert world_post in Post.objects.public()


def test_a_speaker_with_talks_at_both_is_listed_with_the_public_talk_only(world, visitor):
    both = SpeakerFactory(name="Busy Speaker", slug="busy")
    TalkFactory(event=world["public"], title="Busy open talk", speakers=[both])
    TalkFactory(event=world["draft"], title="Secret talk too", speakers=[both])
    listing = _text(visitor.get(reverse("events:speaker_list")))
    assert "Busy Speaker" in listing
    page = _text(visitor.get(both.get_absolute_url()))
    assert "Busy open talk" in page and "Secret talk too" not in page
    assert "Secret meetup" not in page


def test_organisers_still_see_and_preview_their_drafts(world, client, organiser):
    client.force_login(organiser)
    manage = _text(client.get(reverse("events:manage", kwargs={"slug": world["draft"].slug})))
    for text in ("Secret talk", "Secret recording", "Secret slides", "Secret summary"):
        assert text in manage
    preview = _text(client.get(world["draft"].get_absolute_url()))
    assert "visible to its organisers only" in preview and "Secret talk" in preview
    assert "Secret body" in _text(client.get(world["post"].get_absolute_url()))
    assert client.get(world["material"].file_url).status_code == 200
    assert client.get(world["photo"].src).status_code == 200
    assert client.get(world["photo"].thumb_src).status_code == 200
    # the public lists stay public for them too
    _assert_no_secret(_text(client.get(reverse("events:post_list"))))
    _assert_no_secret(_text(client.get(reverse("events:speaker_list"))))


def test_another_organiser_does_not_see_the_draft(world, client, other_organiser):
    client.force_login(other_organiser)
    assert client.get(world["draft"].get_absolute_url()).status_code == 404
    assert client.get(world["post"].get_absolute_url()).status_code == 404
    assert client.get(world["material"].file_url).status_code == 404
    assert client.get(world["photo"].src).status_code == 404


def test_publishing_makes_it_all_public(world, client, organiser):
    services.event_publish(actor=organiser, event=world["draft"])
    assert "Secret summary" in _text(client.get(reverse("events:post_list")))
    assert "Hidden Speaker" in _text(client.get(reverse("events:speaker_list")))
    assert client.get(world["material"].file_url).status_code == 200
