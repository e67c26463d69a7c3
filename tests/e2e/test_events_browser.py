"""In a real browser: an organiser creates and publishes an event; a member takes the
last seat, and the next member is offered the waitlist."""

import pytest
from selenium.webdriver.common.by import By

from events.models import RSVP, Event
from tests.e2e.support import log_in, text_of
from tests.events.factories import OrganiserFactory
from tests.hub.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill(browser, field_id, value):
    element = browser.find_element(By.ID, field_id)
    browser.execute_script("arguments[0].value = arguments[1];", element, value)


def test_organiser_publishes_and_member_takes_the_last_seat(browser, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    organiser = OrganiserFactory(username="org")
    first = UserFactory(username="first", roles=["volunteer"])
    second = UserFactory(username="second", roles=["volunteer"])

    log_in(browser, live_server, organiser.username)
    browser.get(f"{live_server.url}/en/events/new/")
    browser.find_element(By.ID, "id_title").send_keys("Keras hands-on")
    browser.find_element(By.ID, "id_description").send_keys("Bring a **laptop**.")
    _fill(browser, "id_starts_at", "2031-03-01T14:00")
    _fill(browser, "id_ends_at", "2031-03-01T17:00")
    browser.find_element(By.ID, "id_capacity").send_keys("1")
    browser.find_element(By.ID, "id_venue_name").send_keys("Industrial loft")
    browser.find_element(By.ID, "id_venue_address").send_keys("5 Nanteng Street, Zhuhai")
    browser.find_element(By.ID, "save-event").click()

    browser.find_element(By.ID, "publish-button")
    event = Event.objects.get(title="Keras hands-on")
    assert event.status == Event.Status.DRAFT
    manage_url = browser.current_url
    browser.find_element(By.ID, "preview-link").click()
    assert "visible to its organisers only" in text_of(browser, "body",
                                                       "visible to its organisers only")
    # a fresh load, not history.back(): a page restored from the back/forward cache may
    # still be swapping its nodes when the button is looked up
    browser.get(manage_url)
    browser.find_element(By.ID, "publish-button").click()
    assert "The event is published." in text_of(browser, ".messages", "The event is published.")
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED

    log_in(browser, live_server, first.username)
    browser.get(live_server.url + event.get_absolute_url())
    assert "1 of 1 seats left" in browser.page_source
    browser.find_element(By.ID, "rsvp-button").click()
    assert "You are going" in text_of(browser, "#rsvp-state", "You are going")
    assert RSVP.objects.get(user=first).status == RSVP.Status.GOING

    log_in(browser, live_server, second.username)
    browser.get(live_server.url + event.get_absolute_url())
    assert "0 of 1 seats left" in browser.page_source
    button = browser.find_element(By.ID, "rsvp-button")
    assert button.text == "Join the waitlist"
    button.click()
    assert "waitlist" in text_of(browser, "#rsvp-state", "waitlist")
    assert RSVP.objects.get(user=second).status == RSVP.Status.WAITLISTED
