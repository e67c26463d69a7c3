"""Issue #15, defects 7 and 8: time zones shown where they differ and DST gaps caught;
Chinese slugs, speaker order, bare URLs, short Chinese posts, untranslated strings,
dates far from the event."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events import services
from events.forms import EventForm, TalkForm
from events.models import Event
from events.rendering import markdown_render
from tests.events.factories import EventFactory, SpeakerFactory, TalkFactory

pytestmark = pytest.mark.django_db


# --- time zones ---------------------------------------------------------------------------

def test_cards_show_the_zone_only_where_it_differs_from_the_sites(client):
    EventFactory(title="Zhuhai meetup", timezone="Asia/Shanghai")
    EventFactory(title="Berlin meetup", timezone="Europe/Berlin")
    page = client.get(reverse("events:list")).text
    berlin = page.split("Berlin meetup", 1)[1].split("</li>", 1)[0]
    zhuhai = page.split("Zhuhai meetup", 1)[1].split("</li>", 1)[0]
    assert "(Europe/Berlin)" in berlin and "Asia/Shanghai" not in zhuhai
    assert "(Europe/Berlin)" in client.get("/en/").text


def _event_form(**values):
    data = {"title": "t", "timezone": "Europe/Berlin", "starts_at": "2030-03-31T02:30",
            "ends_at": "2030-03-31T05:00", "max_guests": "0"}
    data.update(values)
    return EventForm(data)


def test_a_time_that_does_not_exist_is_refused_with_the_reason():
    form = _event_form()  # 02:30 is skipped when Berlin moves to summer time
    assert not form.is_valid()
    message = " ".join(form.errors["starts_at"])
    assert "does not exist in Europe/Berlin" in message and "03:30" in message
    ok = _event_form(starts_at="2030-03-31T03:30")
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["starts_at"] == datetime(2030, 3, 31, 3, 30,
                                                    tzinfo=ZoneInfo("Europe/Berlin"))


def test_talk_times_in_a_dst_gap_are_refused_too(organiser):
    start = datetime(2030, 3, 31, 1, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    event = EventFactory(organisers=[organiser], timezone="Europe/Berlin", starts_at=start,
                         ends_at=start + timedelta(hours=4))
    form = TalkForm({"title": "t", "speakers": "Ada", "starts_at": "2030-03-31T02:15"},
                    event=event)
    assert not form.is_valid() and "does not exist" in str(form.errors["starts_at"])


# --- dates far from the event ------------------------------------------------------------------

@pytest.mark.parametrize("start", [datetime(9999, 1, 1, 14), datetime(1999, 1, 1, 14)])
def test_years_far_off_are_refused(organiser, start):
    start = start.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    with pytest.raises(ValidationError) as info:
        services.event_create(actor=organiser, title="t", starts_at=start,
                              ends_at=start + timedelta(hours=2))
    assert "starts_at" in info.value.message_dict


def test_an_event_of_more_than_a_week_is_refused(organiser):
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError) as info:
        services.event_create(actor=organiser, title="t", starts_at=start,
                              ends_at=start + timedelta(days=400))
    assert "ends_at" in info.value.message_dict


def test_a_talk_outside_its_event_is_refused(organiser):
    start = datetime(2019, 9, 7, 13, 42, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = EventFactory(organisers=[organiser], starts_at=start,
                         ends_at=start + timedelta(hours=3))
    with pytest.raises(ValidationError) as info:
        services.talk_add(actor=organiser, event=event, title="t", speaker_names=["Ada"],
                          starts_at=start.replace(year=2031))
    assert "starts_at" in info.value.message_dict
    talk = services.talk_add(actor=organiser, event=event, title="t", speaker_names=["Ada"],
                             starts_at=start + timedelta(hours=2))
    with pytest.raises(ValidationError):  # moving the event away from its talk
        services.event_update(actor=organiser, event=event,
                              starts_at=start + timedelta(days=3),
                              ends_at=start + timedelta(days=3, hours=3))
    assert talk.pk


def test_the_form_shows_a_far_year_as_a_field_error(client, organiser):
    client.force_login(organiser)
    response = client.post(reverse("events:create"), {
        "title": "t", "timezone": "Asia/Shanghai", "starts_at": "9999-01-01T14:00",
        "ends_at": "9999-01-01T16:00"})
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"]


# --- smaller ones ----------------------------------------------------------------------------

def test_a_chinese_only_title_gives_a_readable_slug(client, organiser):
    start = datetime(2030, 3, 1, 14, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = services.event_create(actor=organiser, title="首次聚会", starts_at=start,
                                  ends_at=start + timedelta(hours=2))
    assert event.slug == "2030-03-01-首次聚会"
    services.event_publish(actor=organiser, event=event)
    assert client.get(event.get_absolute_url()).status_code == 200
    api = client.get(reverse("events-event-detail", kwargs={"slug": event.slug}))
    assert api.status_code == 200


def test_speakers_keep_their_order_and_remote_is_per_speaker(client, organiser, event):
    form = TalkForm({"title": "Fins", "speakers": "Zoe\nAda (remote)\n李雷（远程）"},
                    event=event)
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    talk = services.talk_add(actor=organiser, event=event, title="Fins",
                             speaker_names=data["speaker_names"],
                             remote_speakers=data["remote_speakers"])
    assert [(ts.speaker.name, ts.remote) for ts in talk.lineup] == [
        ("Zoe", False), ("Ada", True), ("李雷", True)]
    page = client.get(event.get_absolute_url()).text
    assert page.index("Zoe") < page.index("Ada") < page.index("李雷")
    assert TalkForm.initial_for(talk)["speakers"] == "Zoe\nAda (remote)\n李雷 (remote)"


def test_bare_urls_are_linked_but_not_inside_code_or_links():
    html = markdown_render(text="Slides: https://tfug.example/s1. Code: `https://x.example` "
                                "and [here](https://y.example) 见https://z.example，谢谢")
    assert '<a href="https://tfug.example/s1" rel="noopener noreferrer nofollow">' in html
    assert "<code>https://x.example</code>" in html
    assert html.count("https://y.example") == 1
    assert '<a href="https://z.example"' in html


@pytest.mark.parametrize(("body", "language"), [
    ("今天的活动很开心。", "zh-hans"),
    ("现场 22 人，线上 3 人。See https://tfug.example", "zh-hans"),
    ("We met in Zhuhai and trained a model.", "en"),
])
def test_short_chinese_posts_are_labelled_chinese(organiser, body, language):
    post = services.post_write(actor=organiser, event=EventFactory(organisers=[organiser]),
                              title="小结", body=body)
    assert post.language == language


def test_no_english_left_on_the_chinese_organiser_form(client, organiser):
    client.force_login(organiser)
    page = client.get("/zh-hans/events/new/").text
    assert "- Select an option -" not in page and "- 请选择 -" in page


def test_copying_a_cancelled_or_any_event_keeps_guests(organiser):
    event = EventFactory(organisers=[organiser], max_guests=2)
    copy = services.event_copy(actor=organiser, event=event,
                               starts_at=event.starts_at + timedelta(days=28))
    assert copy.max_guests == 2 and copy.status == Event.Status.DRAFT


def test_speaker_page_lists_a_talk_once(client, event):
    speaker = SpeakerFactory(name="Ada")
    TalkFactory(event=event, speakers=[speaker], title="Fins")
    assert client.get(speaker.get_absolute_url()).text.count("Fins") == 1
