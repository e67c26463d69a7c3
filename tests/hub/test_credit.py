"""Member credit: an opt-in public profile composed from each app's provider by name
(events, dois, and the hub's projects), its API, both languages, each app absent, and
the yearly thanks page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from rest_framework.test import APIClient

from dois.models import Photo, Submission
from events.models import RSVP, Event
from hub import credit
from hub.services import project_update_add
from tests.dois.factories import IndividualFactory, SightingFactory
from tests.dois.factories import PhotoFactory as DoisPhotoFactory
from tests.events.factories import (
    EventFactory,
    RecordingFactory,
    RSVPFactory,
    SpeakerFactory,
    TalkFactory,
)
from tests.hub.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(db):
    """A member who did a bit of everything, with a public profile."""
    user = UserFactory(username="ada", display_name="Ada L.", email="ada@example.org",
                       roles=["volunteer"], profile_public=True)
    past = timezone.now() - timedelta(days=30)
    onsite = EventFactory(title="Keras night", starts_at=past)
    online = EventFactory(title="TFLite night", starts_at=past - timedelta(days=30))
    draft = EventFactory(title="Secret draft", starts_at=past, status=Event.Status.DRAFT)
    RSVPFactory(event=onsite, user=user, mode=RSVP.Mode.ONSITE, checked_in_at=past)
    RSVPFactory(event=online, user=user, mode=RSVP.Mode.ONLINE, checked_in_at=past)
    RSVPFactory(event=draft, user=user, checked_in_at=past)
    RSVPFactory(event=EventFactory(starts_at=past), user=user)  # said yes, never came
    talk = TalkFactory(event=onsite, title="Fins and embeddings",
                       speakers=[SpeakerFactory(user=user)])
    RecordingFactory(event=onsite, talk=talk, title="Video of the talk")
    TalkFactory(event=draft, title="Hidden talk", speakers=[SpeakerFactory(user=user)])
    # DoIs: three photos, two confirmed; Ada photographed PRE-0100 first
    first = IndividualFactory(code="PRE-0100", number=100)
    later = IndividualFactory(code="PRE-0101", number=101)
    early = SightingFactory(observed_at=datetime(2024, 1, 2, tzinfo=UTC))
    late = SightingFactory(observed_at=datetime(2024, 3, 2, tzinfo=UTC))
    DoisPhotoFactory(uploaded_by=user, individual=first, state=Photo.State.CONFIRMED,
                     sighting=early)
    DoisPhotoFactory(uploaded_by=user, individual=later, state=Photo.State.CONFIRMED,
                     sighting=late)
    DoisPhotoFactory(uploaded_by=None, individual=later, state=Photo.State.CONFIRMED,
                     sighting=early)
    DoisPhotoFactory(uploaded_by=user)
    Submission.objects.create(submitted_by=user, name="ada-net", status="done",
                              metrics={"map5": 0.4, "top1": 0.3})
    Submission.objects.create(submitted_by=UserFactory(username="rival"), name="rival-net",
                              status="done", metrics={"map5": 0.6, "top1": 0.5})
    project = ProjectFactory(name="DoIs")
    project_update_add(project=project, date=date.today(), title="Model v2", author=user)
    return user


def counts(section) -> dict:
    return {c["key"]: c["value"] for c in section.counts}


def test_the_profile_composes_every_apps_part(ada):
    sections = {s.app: s for s in credit.member_credit(user=ada)}
    assert list(sections) == ["events", "dois", "hub"]
    assert counts(sections["events"]) == {"events_onsite": 1, "events_online": 1,
                                          "talks": 1, "talks_recorded": 1}
    talks = sections["events"].lists[0]["entries"]
    assert [t["text"] for t in talks] == ["Fins and embeddings"]  # the draft's talk: never
    assert talks[0]["links"][0]["text"] == "Video of the talk"
    assert counts(sections["dois"]) == {"photos": 3, "photos_confirmed": 2,
                                        "individuals_identified": 2,
                                        "individuals_first": 1, "submissions": 1,
                                        "best_rank": 2}
    assert [e["text"] for e in sections["dois"].lists[0]["entries"]] == ["PRE-0100"]
    assert counts(sections["hub"]) == {"project_updates": 1, "projects": 1}


def test_the_profile_page_shows_the_display_name_never_the_email(client, ada):
    html = client.get("/en/members/ada/").content.decode()
    assert "Ada L." in html and "Fins and embeddings" in html and "Video of the talk" in html
    assert "ada@example.org" not in html and "Secret draft" not in html
    assert "PRE-0100" in html and "ada-net" in html


def test_profiles_are_opt_in(client, ada):
    ada.profile_public = False
    ada.save()
    assert client.get("/en/members/ada/").status_code == 404
    assert APIClient().get("/api/v1/members/ada/").status_code == 404
    client.force_login(ada)  # the owner sees it, with the switch
    page = client.get("/en/members/ada/")
    assert page.status_code == 200 and b"Make my profile public" in page.content
    answer = client.post("/en/members/me/visibility/", {"public": "1"})
    assert answer.status_code == 302
    ada.refresh_from_db()
    assert ada.profile_public
    client.logout()
    assert client.get("/en/members/ada/").status_code == 200


def test_the_profile_in_the_api(ada):
    data = APIClient().get("/api/v1/members/ada/").json()
    assert data["name"] == "ada" and data["display_name"] == "Ada L."
    assert "ada@example.org" not in str(data)
    sections = {s["app"]: s for s in data["sections"]}
    assert sections["events"]["counts"]["talks"] == 1
    assert sections["dois"]["counts"]["best_rank"] == 2
    assert sections["dois"]["lists"]["individuals_first"][0]["text"] == "PRE-0100"
    assert sections["hub"]["counts"]["project_updates"] == 1


def test_the_profile_in_chinese(client, ada):
    html = client.get("/zh-hans/members/ada/").content.decode()
    assert "现场参加的活动" in html and "贡献的照片" in html and "Ada L." in html
    data = APIClient().get("/api/v1/members/ada/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert {s["title"] for s in data["sections"]} >= {"聚会活动", "海豚识别"}


@pytest.mark.parametrize("present", [("dois",), ("events",), ()])
def test_the_profile_works_with_an_app_absent(client, ada, monkeypatch, present):
    monkeypatch.setattr(credit, "CREDIT_PROVIDERS", present)
    apps_shown = [s.app for s in credit.member_credit(user=ada)]
    assert apps_shown == [*present, "hub"]
    page = client.get("/en/members/ada/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ("Fins and embeddings" in html) == ("events" in present)
    assert ("PRE-0100" in html) == ("dois" in present)
    api = APIClient().get("/api/v1/members/ada/").json()
    assert [s["app"] for s in api["sections"]] == [*present, "hub"]
    thanks = client.get(f"/en/thanks/{timezone.now().year}/")
    assert thanks.status_code == 200


def test_an_app_whose_module_is_missing_is_skipped(ada, monkeypatch):
    monkeypatch.setattr(credit, "CREDIT_PROVIDERS", ("events", "nosuchapp", "dois"))
    assert [app for app, _m in credit.providers()] == ["events", "dois"]


def test_the_thanks_page_has_totals_and_names_only_public_profiles(client, ada):
    year = timezone.now().year
    shy = UserFactory(username="shy", display_name="Shy Person", roles=["volunteer"])
    DoisPhotoFactory(uploaded_by=shy)
    thanks = credit.year_thanks(year=year)
    sections = {s.app: s for s in thanks.sections}
    assert counts(sections["dois"])["photos"] == 5
    assert counts(sections["hub"])["project_updates"] == 1
    assert [c.label for c in thanks.contributors] == ["Ada L."]
    assert thanks.others >= 2  # shy and rival keep their profiles private
    did = {d["key"]: d["value"] for d in thanks.contributors[0].did}
    assert did["photos"] == 3 and did["submissions"] == 1 and did["project_updates"] == 1
    html = client.get(f"/en/thanks/{year}/").content.decode()
    assert "Ada L." in html and "Shy Person" not in html and "ada@example.org" not in html
    assert "more members who keep their profiles private" in html
    assert client.get("/en/thanks/").status_code == 302
    assert "谢谢" in client.get(f"/zh-hans/thanks/{year}/").content.decode()


def test_the_members_own_profile_page_shows_their_contribution_counts(client, ada):
    client.force_login(ada)
    page = BeautifulSoup(client.get("/en/accounts/profile/").content, "html.parser")
    counts_shown = {li["data-key"]: li.select_one(".value").text
                    for li in page.select("#profile-contributions li")}
    assert counts_shown["photos"] == "3" and counts_shown["photos_confirmed"] == "2"
    assert counts_shown["individuals_identified"] == "2"
    assert counts_shown["talks"] == "1"
    html = client.get("/zh-hans/accounts/profile/").content.decode()
    assert "你的贡献" in html and "帮助识别的个体" in html


def test_a_new_members_profile_has_no_empty_contributions_block(client):
    client.force_login(UserFactory(username="newbie"))
    assert b"profile-contributions" not in client.get("/en/accounts/profile/").content
