"""The events models are in the admin, and its pages open."""

import pytest
from django.contrib import admin
from django.urls import reverse

from events.models import TalkProposal
from tests.events.factories import EventFactory, RSVPFactory, UserFactory

pytestmark = pytest.mark.django_db


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
