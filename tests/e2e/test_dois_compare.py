"""Compare side by side (issue 14, item 10): both photos zoom and move together, and the
candidate's other photos are one key away."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from dois import services
from tests.dois.factories import IndividualFactory, PhotoFactory
from tests.e2e.support import log_in
from tests.hub.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def transforms(browser) -> list[str]:
    return [img.get_attribute("style") for img in
            browser.find_elements(By.CSS_SELECTOR, "#compare img.zoomable")]


def test_zoom_pan_and_the_next_photo_of_the_candidate(browser, live_server):
    researcher = UserFactory(username="res", roles=["researcher"])
    ind = IndividualFactory(code="PRE-0600")
    refs = []
    for quality in (5, 4):
        ref = PhotoFactory(quality=quality)
        services.decision_record(photo=ref, action="confirm", individual=ind,
                                 actor=researcher)
        refs.append(ref)
    photo = PhotoFactory()
    log_in(browser, live_server, "res")
    browser.get(f"{live_server.url}/en/dois/review/{photo.pk}/compare/{ind.code}/")
    candidate = browser.find_element(By.ID, "compare-candidate")
    assert f"/photos/{refs[0].pk}/detail.jpg" in candidate.get_attribute("src")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("+")
    body.send_keys("+")
    styles = transforms(browser)
    assert len(styles) == 2 and styles[0] == styles[1] and "scale(1.5625)" in styles[0]
    # drag the photo under review: the candidate moves with it
    frame = browser.find_elements(By.CSS_SELECTOR, "#compare .zoom-frame")[0]
    ActionChains(browser).move_to_element(frame).click_and_hold().move_by_offset(
        30, 20).release().perform()
    styles = transforms(browser)
    assert styles[0] == styles[1] and "translate(0%, 0%)" not in styles[0]
    body.send_keys(Keys.ARROW_RIGHT)
    WebDriverWait(browser, 5).until(
        lambda b: f"/photos/{refs[1].pk}/detail.jpg" in candidate.get_attribute("src"))
    assert browser.find_element(By.ID, "compare-position").text == "2"
    body.send_keys("0")
    assert all("scale(1)" in s for s in transforms(browser))
    # confirm from here
    browser.find_element(By.ID, "compare-confirm").click()
    WebDriverWait(browser, 10).until(lambda b: "/compare/" not in b.current_url)
    photo.refresh_from_db()
    assert photo.individual == ind
