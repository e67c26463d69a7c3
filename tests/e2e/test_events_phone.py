"""At 390 px wide (a phone), in both languages: the RSVP box comes before the talks,
recordings and photos, the manage page's head-count inputs sit under their labels
without running off the screen, and no public page of the meetups scrolls sideways."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from selenium.webdriver.common.by import By

from tests.e2e.support import log_in
from tests.events.factories import (
    EventFactory,
    MaterialFactory,
    OrganiserFactory,
    PhotoFactory,
    PostFactory,
    RecordingFactory,
    SpeakerFactory,
    TagFactory,
    TalkFactory,
    VenueFactory,
)
from tests.hub.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})


def _rect(browser, element):
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY,"
        " left: r.left, right: r.right};", element)


def _no_sideways_scroll(browser):
    width = browser.execute_script("return document.documentElement.clientWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert width == 390 and scroll <= width


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_on_a_phone_the_rsvp_box_comes_before_the_talks(browser, live_server, settings, lang):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    member = UserFactory(username="mei", roles=["volunteer"])
    event = EventFactory(title="Keras night", description="A long description. " * 40)
    for n in range(4):
        TalkFactory(event=event, title=f"Talk {n}")
    RecordingFactory(event=event)
    log_in(browser, live_server, member.username)
    _phone(browser)
    browser.get(f"{live_server.url}/{lang}/events/{event.slug}/")
    rsvp = browser.find_element(By.ID, "rsvp-box")
    talks = browser.find_element(By.ID, "talks-h")
    recordings = browser.find_element(By.ID, "rec-h")
    button = browser.find_element(By.ID, "rsvp-button")
    assert _rect(browser, rsvp)["bottom"] <= _rect(browser, talks)["top"]
    assert _rect(browser, rsvp)["bottom"] <= _rect(browser, recordings)["top"]
    assert _rect(browser, button)["top"] < 844 * 1.5  # within the first screen or so
    _no_sideways_scroll(browser)
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.set_window_size(1280, 1000)
    browser.get(f"{live_server.url}/{lang}/events/{event.slug}/")
    # on a wide screen the box stands beside the description, to the right
    rsvp = browser.find_element(By.ID, "rsvp-box")
    main = browser.find_element(By.CSS_SELECTOR, ".event-main")
    assert _rect(browser, rsvp)["left"] >= _rect(browser, main)["right"]


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_on_a_phone_the_head_count_inputs_sit_under_their_labels(browser, live_server,
                                                                  settings, lang):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    organiser = OrganiserFactory(username="org")
    event = EventFactory(organisers=[organiser])
    log_in(browser, live_server, organiser.username)
    _phone(browser)
    browser.get(f"{live_server.url}/{lang}/events/{event.slug}/manage/")
    form = browser.find_element(By.ID, "head-counts")
    for name in ("onsite", "online"):
        field = form.find_element(By.NAME, name)
        label = form.find_element(By.CSS_SELECTOR, f"label[for=id_{name}]")
        f, lab = _rect(browser, field), _rect(browser, label)
        assert lab["bottom"] <= f["top"] + 1  # the label above its input, not beside it
        assert abs(lab["left"] - f["left"]) < 2  # aligned
        assert f["left"] >= 0 and f["right"] <= 390
    button = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
    assert _rect(browser, button)["right"] <= 390
    _no_sideways_scroll(browser)


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_public_event_pages_fit_a_phone(browser, live_server, lang):
    """Lists, a past event with everything an event collects afterwards, a post, a speaker
    and a venue: none scrolls sideways at 390 px, even with long names and bare URLs."""
    long_url = "https://www.meetup.com/TensorFlow-User-Group-Zhuhai/events/264053619/"
    venue = VenueFactory(name="极简汇率 (Jijian Huilü) industrial loft",
                         address="珠海市香洲区南腾街5号 · No. 5 Nanteng Street, Xiangzhou District")
    speaker = SpeakerFactory(name="GDE speaker from Shenzhen / 深圳 GDE 讲师")
    event = EventFactory(title="TensorFlow All-Around Zhuhai: first meetup",
                         title_zh="TensorFlow All-Around 珠海 · 首次聚会", venue=venue,
                         starts_at=timezone.now() - timedelta(days=30),
                         description=f"Sign-up page: {long_url}")
    event.tags.add(TagFactory(slug="keras"), TagFactory(slug="meetup"))
    TalkFactory(event=event, title="Watching together: deep learning without a PhD",
                speakers=[speaker])
    RecordingFactory(event=event)
    MaterialFactory(event=event, title="Keras handwritten-digit demo (the notebook)")
    PhotoFactory(event=event, caption="The industrial loft where the meetup took place")
    post = PostFactory(event=event, title="Our first TensorFlow All-Around: a summary",
                       body=f"Sign-up page: <{long_url}>\n\n" + "A long paragraph. " * 30)
    _phone(browser)
    with override(lang):
        paths = [reverse("events:list"), event.get_absolute_url(), reverse("events:post_list"),
                 post.get_absolute_url(), reverse("events:speaker_list"),
                 speaker.get_absolute_url(), reverse("events:venue_list"),
                 venue.get_absolute_url()]
    for path in paths:
        browser.get(f"{live_server.url}{path}")
        assert browser.find_element(By.TAG_NAME, "h1").is_displayed(), path
        _no_sideways_scroll(browser)
    browser.get(f"{live_server.url}{paths[1]}")
    tags = browser.find_elements(By.CSS_SELECTOR, ".tags a")
    assert tags
    for tag in tags:  # tap targets (WCAG 2.5.8)
        box = _rect(browser, tag)
        assert box["bottom"] - box["top"] >= 24, tag.text


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_on_a_phone_the_manage_pages_edit_and_delete_links_are_whole_tap_targets(
        browser, live_server, settings, lang):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    organiser = OrganiserFactory(username="org")
    event = EventFactory(organisers=[organiser])
    long = "TensorFlow and deep learning – without a PhD, watched together"
    TalkFactory(event=event, title=long)
    RecordingFactory(event=event, title=long)
    MaterialFactory(event=event, title=long)
    log_in(browser, live_server, organiser.username)
    _phone(browser)
    browser.get(f"{live_server.url}/{lang}/events/{event.slug}/manage/")
    links = browser.find_elements(By.CSS_SELECTOR, ".managed a.act")
    assert len(links) == 6
    for link in links:
        rects = browser.execute_script("return arguments[0].getClientRects().length", link)
        box = _rect(browser, link)
        assert rects == 1, link.text  # one box: the word is not broken across lines
        assert box["bottom"] - box["top"] >= 24 and box["right"] <= 390
    _no_sideways_scroll(browser)
