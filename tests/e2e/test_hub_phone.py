"""The hub's pages at 390 px wide (a phone), in both languages: none scrolls sideways,
the header's links and buttons are tap targets at least 24 px high (WCAG 2.5.8), and a
primary button's text stands out from its background (at least 4.5:1, WCAG 1.4.3)."""

import re

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.support import log_in
from tests.hub.factories import ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})


def _luminance(css_colour: str) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (float(x) for x in re.findall(r"[\d.]+", css_colour)[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _check_page(browser, url: str) -> None:
    browser.get(url)
    assert browser.find_element(By.TAG_NAME, "h1").is_displayed(), url
    width = browser.execute_script("return document.documentElement.clientWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert width == 390 and scroll <= width, url
    targets = browser.find_elements(By.CSS_SELECTOR, ".site-header .nav ul a, "
                                                      ".site-header .nav ul button")
    assert targets, url
    for target in targets:
        height = browser.execute_script(
            "return arguments[0].getBoundingClientRect().height", target)
        assert height >= 24, (url, target.text, height)
    for button in browser.find_elements(By.CSS_SELECTOR,
                                        "main button:not(.link):not(.secondary), main .button"):
        fg = button.value_of_css_property("color")
        bg = button.value_of_css_property("background-color")
        assert _contrast(fg, bg) >= 4.5, (url, button.text, fg, bg)


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_hub_pages_fit_a_phone(browser, live_server, settings, lang):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ProjectFactory(slug="fins", name="DoIs: Dolphin Identification System",
                   summary="Identify individual Chinese white dolphins. " * 10)
    member = UserFactory(username="mei", display_name="Mei Ling with a long display name",
                         email="mei.ling.with.a.long.address@example.org",
                         roles=["volunteer"], profile_public=True)
    _phone(browser)
    for path in ["", "projects/", "projects/fins/", "accounts/login/", "accounts/signup/",
                 "thanks/", "no-such-page/"]:
        _check_page(browser, f"{live_server.url}/{lang}/{path}")
    log_in(browser, live_server, member.username)
    _phone(browser)
    for path in ["accounts/profile/", "members/mei/"]:
        _check_page(browser, f"{live_server.url}/{lang}/{path}")
