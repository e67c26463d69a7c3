"""In a real browser: a member signs up on the Chinese site, confirms their address,
RSVPs; the day before, the reminder reaches them in Chinese with the event's .ics."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from selenium.webdriver.common.by import By

from events import services
from events.models import RSVP
from tests.e2e.support import text_of
from tests.events.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def _tasks_in_process():
    from hub.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_chinese_member_gets_a_chinese_reminder_with_the_ics(
        browser, live_server, settings, _tasks_in_process):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = live_server.url
    start = timezone.now() + timedelta(hours=20)
    event = EventFactory(title="Keras 夜", starts_at=start, ends_at=start + timedelta(hours=3),
                         venue__name="工业 loft", venue__address="珠海市香洲区南腾街5号")

    browser.get(f"{live_server.url}/zh-hans/accounts/signup/")
    for name, value in {"id_username": "mei", "id_email": "mei@example.org",
                        "id_display_name": "梅", "id_password1": "sea-dolphin-fin-42",
                        "id_password2": "sea-dolphin-fin-42"}.items():
        browser.find_element(By.ID, name).send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    text_of(browser, "#email-state", "mei@example.org")
    [confirmation] = [m for m in mail.outbox if m.to == ["mei@example.org"]]
    browser.get(re.search(r"https?://\S+/accounts/confirm/\S+/", confirmation.body)[0])
    text_of(browser, "#email-state", "mei@example.org")
    assert get_user_model().objects.get(username="mei").email_verified

    browser.get(f"{live_server.url}/zh-hans/events/{event.slug}/")
    browser.find_element(By.ID, "rsvp-button").click()
    text_of(browser, "#rsvp-state", "现场")
    rsvp = RSVP.objects.get(user__username="mei")
    assert rsvp.status == RSVP.Status.GOING and rsvp.user.preferred_language == "zh-hans"
    [confirmed] = [m for m in mail.outbox if "报名成功" in m.subject]
    assert confirmed.attachments

    # the member answered days ago; beat's reminder task runs
    RSVP.objects.filter(pk=rsvp.pk).update(created_at=timezone.now() - timedelta(days=2))
    mail.outbox.clear()
    assert services.mail_reminders_queue() == 1
    [reminder] = mail.outbox
    assert reminder.to == ["mei@example.org"]
    assert reminder.subject == "明天：Keras 夜"
    assert "提醒：Keras 夜 即将开始" in reminder.body and "南腾街5号" in reminder.body
    assert f"{live_server.url}/zh-hans/events/{event.slug}/" in reminder.body
    [(filename, content, mimetype)] = reminder.attachments
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    [vevent] = Calendar.from_ical(content).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Keras 夜" and "南腾街5号" in str(vevent["LOCATION"])
    # the member opens the link and finds the event in Chinese
    browser.get(f"{live_server.url}/zh-hans/events/{event.slug}/")
    assert "你会参加（现场）。" in browser.find_element(By.ID, "rsvp-state").text
