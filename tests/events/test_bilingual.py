"""Issue #15, item 10: event and talk texts in Chinese and English (an explicit pair of
fields: the plain one in English or the only one, ``*_zh`` in Chinese); pages, feeds,
mail and the API show the reader's language with a fallback to the other."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.events.factories import EventFactory, TalkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    event = EventFactory(title="Keras night", title_zh="Keras 之夜",
                         description="Bring a **laptop**.", description_zh="带上**电脑**。")
    TalkFactory(event=event, title="Fins", title_zh="背鳍", abstract="Outlines.",
                abstract_zh="轮廓。")
    return event


def test_each_reader_gets_their_language(client, event):
    zh = client.get(f"/zh-hans/events/{event.slug}/").text
    en = client.get(f"/en/events/{event.slug}/").text
    assert "Keras 之夜" in zh and "<strong>电脑</strong>" in zh and "背鳍" in zh
    assert "Keras night" not in zh and "laptop" not in zh
    assert "Keras night" in en and "<strong>laptop</strong>" in en and "Fins" in en
    assert "Keras 之夜" not in en


def test_a_missing_version_falls_back_to_the_other():
    only_zh = EventFactory(title="首次聚会")  # the only title, in Chinese
    only_en = EventFactory(title="First meetup")
    with translation.override("en"):
        assert only_zh.display_title == "首次聚会"
    with translation.override("zh-hans"):
        assert only_en.display_title == "First meetup"


def test_lists_feeds_and_calendar_follow_the_page(client, event):
    assert "Keras 之夜" in client.get("/zh-hans/events/").text
    assert "Keras 之夜" in client.get("/zh-hans/").text
    assert "Keras 之夜" in client.get("/zh-hans/events/feed/atom/").content.decode()
    assert "Keras night" in client.get("/en/events/feed/atom/").content.decode()
    ics = client.get(f"/zh-hans/events/{event.slug}/event.ics").content.decode()
    assert "SUMMARY:Keras 之夜" in ics and "带上电脑。" in ics


def test_the_api_gives_the_requests_language_and_both_versions(client, event):
    url = reverse("events-event-detail", kwargs={"slug": event.slug})
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["title"] == "Keras 之夜" and en["title"] == "Keras night"
    assert (zh["title_en"], zh["title_zh"]) == ("Keras night", "Keras 之夜")
    assert zh["description"] == "带上**电脑**。" and en["description_en"] == "Bring a **laptop**."
    assert zh["talks"][0]["title"] == "背鳍" and en["talks"][0]["title"] == "Fins"


def test_search_finds_either_language(client, event):
    assert "Keras" in client.get("/en/events/search/", {"q": "之夜"}).text
    assert "Fins" in client.get("/en/events/search/", {"q": "背鳍"}).text


def test_the_organiser_form_has_both_versions(client, organiser):
    event = EventFactory(organisers=[organiser], title="Keras night", title_zh="Keras 之夜")
    client.force_login(organiser)
    form = client.get(reverse("events:edit", kwargs={"slug": event.slug})).context["form"]
    assert form.initial["title_zh"] == "Keras 之夜"
    assert "description_zh" in form.fields
