"""Finding 3 of issue #12: nothing of a draft event leaks, on any surface.

A published event and a draft event share a tag and a series; the draft also has a
tag, a series, a speaker, a talk, a recording, a material, a photo and a summary post
of its own. Every public surface is read as an anonymous visitor and as a plain member:
the published event's things are there (so the page is the right one), the draft's
never are. Its organisers still see and preview everything."""

import pytest
from django.urls import reverse

from events import services
from tests.events.factories import SpeakerFactory, TalkFactory
from tests.events.support import assert_no_secret, page_text

pytestmark = pytest.mark.django_db


def _notebook_upload():
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    content = json.dumps({"cells": [{"cell_type": "markdown", "id": "a", "metadata": {},
                                     "source": "# Plan"}],
                          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    return SimpleUploadedFile("plan.ipynb", content)


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
    text = page_text(visitor.get(surface(world)))
    assert expected in text
    assert_no_secret(text)


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
    page = page_text(visitor.get(notebook.get_absolute_url()))
    assert "Secret notebook" in page and "visible to its organisers only" in page
    assert visitor.get(notebook.file_url).status_code == 200


def test_a_speaker_with_talks_at_both_is_listed_with_the_public_talk_only(world, visitor):
    both = SpeakerFactory(name="Busy Speaker", slug="busy")
    TalkFactory(event=world["public"], title="Busy open talk", speakers=[both])
    TalkFactory(event=world["draft"], title="Secret talk too", speakers=[both])
    listing = page_text(visitor.get(reverse("events:speaker_list")))
    assert "Busy Speaker" in listing
    page = page_text(visitor.get(both.get_absolute_url()))
    assert "Busy open talk" in page and "Secret talk too" not in page
    assert "Secret meetup" not in page


def test_organisers_still_see_and_preview_their_drafts(world, client, organiser):
    client.force_login(organiser)
    manage = page_text(client.get(reverse("events:manage", kwargs={"slug": world["draft"].slug})))
    for text in ("Secret talk", "Secret recording", "Secret slides", "Secret summary"):
        assert text in manage
    preview = page_text(client.get(world["draft"].get_absolute_url()))
    assert "visible to its organisers only" in preview and "Secret talk" in preview
    assert "Secret body" in page_text(client.get(world["post"].get_absolute_url()))
    assert client.get(world["material"].file_url).status_code == 200
    assert client.get(world["photo"].src).status_code == 200
    assert client.get(world["photo"].thumb_src).status_code == 200
    # the public lists stay public for them too
    assert_no_secret(page_text(client.get(reverse("events:post_list"))))
    assert_no_secret(page_text(client.get(reverse("events:speaker_list"))))


def test_another_organiser_does_not_see_the_draft(world, client, other_organiser):
    client.force_login(other_organiser)
    assert client.get(world["draft"].get_absolute_url()).status_code == 404
    assert client.get(world["post"].get_absolute_url()).status_code == 404
    assert client.get(world["material"].file_url).status_code == 404
    assert client.get(world["photo"].src).status_code == 404


def test_publishing_makes_it_all_public(world, client, organiser):
    services.event_publish(actor=organiser, event=world["draft"])
    assert "Secret summary" in page_text(client.get(reverse("events:post_list")))
    assert "Hidden Speaker" in page_text(client.get(reverse("events:speaker_list")))
    assert client.get(world["material"].file_url).status_code == 200
