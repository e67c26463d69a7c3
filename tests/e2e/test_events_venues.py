"""In a real browser: an organiser edits a venue that a past event used; the past event
keeps the address it had, the upcoming one shows the new address."""

from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from events.models import Venue
from tests.e2e.support import log_in, text_of
from tests.events.factories import EventFactory, OrganiserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organiser_edits_a_venue_used_by_a_past_event(browser, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    organiser = OrganiserFactory(username="org")
    loft = Venue.objects.create(name="Industrial loft", address="5 Nanteng Street, Zhuhai")
    start = timezone.now() - timedelta(days=800)
    past = EventFactory(title="First meetup", venue=loft, starts_at=start,
                        ends_at=start + timedelta(hours=3), organisers=[organiser])
    upcoming = EventFactory(title="Next meetup", venue=loft, organisers=[organiser])

    log_in(browser, live_server, organiser.username)
    browser.get(live_server.url + upcoming.get_absolute_url())
    browser.find_element(By.LINK_TEXT, "Industrial loft").click()
    browser.find_element(By.ID, "venue-edit-link").click()
    notice = text_of(browser, "#venue-impact", "past event")
    assert "This edit changes 1 upcoming event." in notice
    assert "1 past event keeps the address it had" in notice
    address = browser.find_element(By.ID, "id_address")
    address.clear()
    address.send_keys("88 Qinglü Road, Zhuhai")
    browser.find_element(By.ID, "save-venue").click()
    assert "1 past event keeps the old address" in text_of(browser, ".messages",
                                                           "keeps the old address")
    assert "88 Qinglü Road" in browser.find_element(By.ID, "venue-address").text

    browser.get(live_server.url + past.get_absolute_url())
    venue_box = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=venue-h]").text
    assert "5 Nanteng Street" in venue_box and "Qinglü" not in venue_box
    browser.get(live_server.url + upcoming.get_absolute_url())
    venue_box = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=venue-h]").text
    assert "88 Qinglü Road" in venue_box
