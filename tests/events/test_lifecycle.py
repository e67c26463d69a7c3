"""Issue #15, defects 3 and 5: cancelled events are never upcoming; cancel asks first;
unpublish, delete and organisers can be changed; the models are in the admin."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events import rules, selectors, services
from events.models import RSVP, Event, Mail, Post, TalkProposal
from tests.events.factories import (
    EventFactory,
    MaterialFactory,
    PhotoFactory,
    PostFactory,
    RSVPFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_cancelled_events_are_never_listed_as_upcoming(client):
    EventFactory(title="Going ahead")
    EventFactory(title="Called off", status=Event.Status.CANCELLED)
    assert [e.title for e in selectors.event_list_upcoming()] == ["Going ahead"]
    home = client.get("/en/").text
    assert "Going ahead" in home and "Called off" not in home
    events = client.get(reverse("events:list")).text
    upcoming, rest = events.split('id="cancelled-h"', 1)
    assert "Called off" not in upcoming and "Called off" in rest
    assert "Cancelled" in rest


def test_cancel_asks_first_and_a_second_cancel_sends_nothing(
        client, event, organiser, django_capture_on_commit_callbacks):
    RSVPFactory(event=event, user=UserFactory(username="ana"))
    client.force_login(organiser)
    url = reverse("events:cancel", kwargs={"slug": event.slug})
    page = client.get(url)
    assert page.status_code == 200 and "1 member who answered will get an email" in page.text
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED  # asking changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        client.post(url)
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED and event.cancelled_at
    assert Mail.objects.filter(kind="cancelled").count() == 1
    assert client.get(url).status_code == 302  # nothing to confirm any more


def test_unpublish_only_while_nobody_answered(client, event, organiser):
    client.force_login(organiser)
    url = reverse("events:unpublish", kwargs={"slug": event.slug})
    client.post(url)
    event.refresh_from_db()
    assert event.status == Event.Status.DRAFT
    assert client.get(event.get_absolute_url()).status_code == 200  # organiser's preview
    client.logout()
    assert client.get(event.get_absolute_url()).status_code == 404
    services.event_publish(actor=organiser, event=event)
    RSVPFactory(event=event)
    with pytest.raises(ValidationError):
        services.event_unpublish(actor=organiser, event=event)


def test_delete_takes_the_files_and_summaries_with_it(client, organiser, settings,
                                                      django_capture_on_commit_callbacks):
    event = EventFactory(organisers=[organiser], status=Event.Status.DRAFT)
    material = MaterialFactory(event=event)
    photo = PhotoFactory(event=event)
    PostFactory(event=event, slug="draft-summary")
    paths = [material.file.path, photo.image.path, photo.thumbnail.path]
    client.force_login(organiser)
    url = reverse("events:delete", kwargs={"slug": event.slug})
    assert "This cannot be undone" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response["Location"] == reverse("events:list")
    assert not Event.objects.filter(pk=event.pk).exists()
    # a draft's summary would otherwise have become a public post without an event
    assert not Post.objects.filter(slug="draft-summary").exists()
    import os

    assert not any(os.path.exists(p) for p in paths)


def test_an_event_members_answered_is_cancelled_not_deleted(event, organiser):
    RSVPFactory(event=event)
    assert not rules.event_can_delete(event=event)
    with pytest.raises(ValidationError):
        services.event_delete(actor=organiser, event=event)


def test_organisers_are_added_by_username_and_one_always_stays(client, event, organiser,
                                                               other_organiser, member):
    client.force_login(organiser)
    add = reverse("events:organiser_add", kwargs={"slug": event.slug})
    client.post(add, {"username": member.username})
    assert not event.organisers.filter(pk=member.pk).exists()  # no organiser role
    client.post(add, {"username": other_organiser.username.upper()})
    assert event.organisers.filter(pk=other_organiser.pk).exists()
    assert rules.event_can_manage(user=other_organiser, event=event)
    client.post(reverse("events:organiser_remove",
                        kwargs={"slug": event.slug, "pk": organiser.pk}))
    assert list(event.organisers.all()) == [other_organiser]
    with pytest.raises(ValidationError):
        services.event_organiser_remove(actor=other_organiser, event=event,
                                        user=other_organiser)


def test_the_events_models_are_in_the_admin():
    from events import models

    for model in (models.Event, models.Venue, models.Speaker, models.Talk, models.RSVP,
                  models.Recording, models.Material, models.Photo, models.Post,
                  models.Series, models.Tag, models.TalkProposal, models.Mail):
        assert admin.site.is_registered(model), model


def test_admin_pages_open(client):
    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    event = EventFactory()
    RSVPFactory(event=event)
    TalkProposal.objects.create(event=event, user=admin_user, title="t", abstract="a")
    client.force_login(admin_user)
    for name in ("event", "venue", "speaker", "talk", "rsvp", "mail", "talkproposal"):
        assert client.get(reverse(f"admin:events_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:events_event_change",
                              args=[event.pk])).status_code == 200


def test_past_events_keep_their_counts_with_guests(organiser):
    start = timezone.now() - timedelta(days=2)
    event = EventFactory(organisers=[organiser], starts_at=start,
                         ends_at=start + timedelta(hours=2))
    rsvp = RSVPFactory(event=event, guests=2)
    services.attendance_check_in(actor=organiser, event=event, rsvp=rsvp)
    assert selectors.attendance_counts(event=event).onsite == 3
    assert RSVP.objects.get().checked_in_at
