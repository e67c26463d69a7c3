"""The model night tried as an attacker would, against the real leaderboard (the
provider the hub registers): who may set a challenge or link a model, whether a hidden
submission can be linked by posting its id, what the event page and the API let out,
markup in names, and the anonymous page cache."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dois.models import Submission
from events import services
from events.models import Event
from hub import apps as hub_apps
from tests.events.factories import EventFactory, OrganiserFactory, TalkFactory
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("name")</script>'
IMG = '<img src=x onerror="alert(1)">'


@pytest.fixture(autouse=True)
def _dois_registered():
    hub_apps.event_extensions_register()
    yield
    hub_apps.event_extensions_register()


@pytest.fixture
def organiser():
    return OrganiserFactory(username="night-org")


@pytest.fixture
def night(organiser):
    now = timezone.now()
    return EventFactory(title="Model night", organisers=[organiser],
                        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2))


def make(user, name: str, status: str = "done", **metrics) -> Submission:
    return Submission.objects.create(submitted_by=user, name=name, status=status,
                                     metrics=metrics if status == "done" else {})


@pytest.fixture
def hidden():
    """Submissions nobody but their authors (and researchers) may see, and one that is
    on the board; the authors' names and emails are secrets too."""
    ada = UserFactory(username="ada-secret", display_name="Ada Secret",
                      email="ada@secret.example")
    return {"queued": make(ada, "queued-secret", status="queued"),
            "running": make(ada, "running-secret", status="running"),
            "failed": make(ada, "failed-secret", status="failed"),
            "shown": make(UserFactory(display_name="Bo"), "shown-net", map5=0.5)}


def _edit_data(**extra) -> dict:
    return {"title": "Model night", "timezone": "Asia/Shanghai",
            "starts_at": "2030-03-02T19:00", "ends_at": "2030-03-02T22:00", **extra}


@pytest.mark.parametrize("who", ["member", "other-organiser", "anonymous"])
def test_only_the_events_organisers_set_a_challenge_or_link_a_model(client, night, hidden,
                                                                     who):
    talk = TalkFactory(event=night, title="Fins")
    if who != "anonymous":
        client.force_login(UserFactory() if who == "member" else OrganiserFactory())
    slug = night.slug
    edit = client.post(reverse("events:edit", kwargs={"slug": slug}), _edit_data(
        model_night="on", challenge_opens_at="2030-01-10T09:00"))
    add = client.post(reverse("events:talk_add", kwargs={"slug": slug}), {
        "title": "Injected", "speakers": "Eve", "model_submission": hidden["shown"].pk})
    change = client.post(reverse("events:talk_edit", kwargs={"slug": slug, "pk": talk.pk}), {
        "title": "Fins", "speakers": "Eve", "model_submission": hidden["shown"].pk})
    expected = 302 if who == "anonymous" else 403  # to the login page, or refused
    assert (edit.status_code, add.status_code, change.status_code) == (expected,) * 3
    if who == "anonymous":
        assert "/accounts/login/" in edit["Location"]
    night.refresh_from_db()
    talk.refresh_from_db()
    assert not night.model_night and night.challenge_opens_at is None
    assert list(night.talks.values_list("title", flat=True)) == ["Fins"]
    assert talk.model_submission is None
    with pytest.raises(Exception) as refused:  # the services refuse them too
        services.event_update(actor=UserFactory(), event=night, model_night=True)
    assert refused.type.__name__ == "PermissionDenied"


@pytest.mark.parametrize("kind", ["queued", "running", "failed", "active", "absent"])
def test_an_organiser_cannot_link_a_hidden_submission_by_posting_its_id(
        client, night, organiser, hidden, kind):
    if kind == "active":  # a model version's row: done, but no member's model
        pk = Submission.objects.create(kind=Submission.Kind.ACTIVE_MODEL, name="active",
                                       status="done", metrics={"map5": 0.9}).pk
    else:
        pk = hidden[kind].pk if kind in hidden else 987654
    talk = TalkFactory(event=night, title="Fins", model_submission=hidden["shown"].pk)
    client.force_login(organiser)
    add = client.post(reverse("events:talk_add", kwargs={"slug": night.slug}), {
        "title": "Injected", "speakers": "Eve", "model_submission": str(pk)})
    assert add.status_code == 200 and "valid choice" in add.text
    edit = client.post(reverse("events:talk_edit", kwargs={"slug": night.slug,
                                                           "pk": talk.pk}), {
        "title": "Fins", "speakers": "Eve", "model_submission": str(pk)})
    assert edit.status_code == 200 and "valid choice" in edit.text
    assert night.talks.count() == 1
    talk.refresh_from_db()
    assert talk.model_submission == hidden["shown"].pk
    # past the form, the service asks the board itself
    with pytest.raises(ValidationError) as refused:
        services.talk_add(actor=organiser, event=night, title="Direct",
                          speaker_names=["Eve"], model_submission=pk)
    assert "model_submission" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.talk_update(actor=organiser, talk=talk, title="Fins",
                             speaker_names=["Eve"], model_submission=pk)
    talk.refresh_from_db()
    assert talk.model_submission == hidden["shown"].pk


def test_the_page_and_the_api_never_tell_a_hidden_submission_or_a_drafts_board(
        client, night, organiser, hidden):
    night.model_night = True
    night.save()
    TalkFactory(event=night, title="Queued talk", model_submission=hidden["queued"].pk)
    page = client.get(night.get_absolute_url()).text
    api = APIClient().get(f"/api/v1/events/{night.slug}/")
    assert "shown-net" in page and "shown-net" in api.text
    for text in (page, api.text):
        for secret in ("secret", "Secret", "@secret.example", "ada-secret"):
            assert secret not in text
    assert page.count('class="challenge-pending"') == 2  # queued and running, unnamed
    assert [t["model_submission"] for t in api.json()["talks"]] == [None]
    pending = api.json()["challenge"]["pending"]
    assert sorted(p["status"] for p in pending) == ["queued", "running"]
    assert all(set(p) == {"status", "submitted_at"} for p in pending)
    # a draft model night: no board, not to its organisers, never in the API
    draft = EventFactory(model_night=True, status=Event.Status.DRAFT, organisers=[organiser],
                         starts_at=night.starts_at, ends_at=night.ends_at)
    client.force_login(organiser)
    preview = client.get(draft.get_absolute_url()).text
    assert "shown-net" not in preview and 'id="challenge"' not in preview
    assert APIClient().get(f"/api/v1/events/{draft.slug}/").status_code == 404
    listed = APIClient().get("/api/v1/events/").text
    assert draft.slug not in listed


def test_markup_in_a_submissions_name_or_a_members_name_is_shown_as_text(
        client, night, organiser):
    night.model_night = True
    night.save()
    sub = make(UserFactory(display_name=IMG), SCRIPT, map5=0.5)
    TalkFactory(event=night, title="Markup", model_submission=sub.pk)
    page = client.get(night.get_absolute_url()).text
    for raw in (SCRIPT, IMG, "<img src=x"):
        assert raw not in page
    assert page.count("&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;") == 2
    assert page.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 2
    client.force_login(organiser)
    form = client.get(reverse("events:talk_add", kwargs={"slug": night.slug})).text
    assert SCRIPT not in form and IMG not in form
    assert "&lt;script&gt;" in form
    api = APIClient().get(f"/api/v1/events/{night.slug}/")
    assert api["Content-Type"] == "application/json"
    assert api.json()["challenge"]["board"][0]["name"] == SCRIPT  # data, not markup


def test_an_organisers_view_is_never_served_to_anonymous_visitors(
        client, settings, night, organiser, hidden, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE_SECONDS = 120
    night.model_night = True
    night.save()
    draft = EventFactory(model_night=True, status=Event.Status.DRAFT, organisers=[organiser],
                         title="Draft night", starts_at=night.starts_at, ends_at=night.ends_at)
    manage = reverse("events:manage", kwargs={"slug": night.slug})
    client.force_login(organiser)
    mine = client.get(night.get_absolute_url())
    assert mine.status_code == 200 and f'href="{manage}"' in mine.text
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.get(reverse("events:talk_add", kwargs={"slug": night.slug}))  # the form
    anonymous = type(client)()
    public = anonymous.get(night.get_absolute_url())
    assert public["X-Page-Cache"] == "miss"
    assert f'href="{manage}"' not in public.text and "shown-net" in public.text
    assert anonymous.get(night.get_absolute_url())["X-Page-Cache"] == "hit"
    assert anonymous.get(draft.get_absolute_url()).status_code == 404
    assert anonymous.get(reverse("events:talk_add", kwargs={"slug": night.slug})
                         ).status_code == 302
    # the cached board follows the leaderboard: a failure drops the pending row at once
    with django_capture_on_commit_callbacks(execute=True):  # the worker's transaction
        hidden["running"].status = "failed"
        hidden["running"].save()
    again = anonymous.get(night.get_absolute_url())
    assert again["X-Page-Cache"] == "miss"
    assert again.text.count('class="challenge-pending"') == 1
