"""A volunteer uploads three photos (one broken), a researcher confirms one of them."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from dois.models import Decision, Photo
from tests.dois.factories import IndividualFactory, image_bytes
from tests.e2e.support import log_in
from tests.hub.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_uploads_and_researcher_confirms(browser, live_server, tmp_path):
    UserFactory(username="vol", roles=["volunteer"])
    UserFactory(username="res", roles=["researcher"])
    individual = IndividualFactory(code="PRE-0042", nickname="Pearl")
    paths = []
    for name, data in (("fin-a.jpg", image_bytes(seed=101, size=(480, 360))),
                       ("fin-b.jpg", image_bytes(seed=102, size=(480, 360))),
                       ("broken.jpg", image_bytes(seed=103)[:300])):
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))

    log_in(browser, live_server, "vol")
    browser.get(f"{live_server.url}/en/dois/submit/")
    browser.execute_script("arguments[0].value = '2024-05-01T09:30'",
                           browser.find_element(By.ID, "id_sighting-observed_at"))
    browser.find_element(By.ID, "id_sighting-latitude").send_keys("22.2345")
    browser.find_element(By.ID, "id_sighting-longitude").send_keys("113.7654")
    browser.find_element(By.ID, "id_sighting-area").send_keys("Lingding Bay")
    browser.find_element(By.ID, "id_guess").send_keys("PRE-0042")
    browser.find_element(By.ID, "id_images").send_keys("\n".join(paths))
    items = WebDriverWait(browser, 10).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#file-list .file-item")
        if len(b.find_elements(By.CSS_SELECTOR, "#file-list .file-item")) == 3 else False)
    # draw the fin box on the first photo
    canvas = items[0].find_element(By.CSS_SELECTOR, "canvas")
    WebDriverWait(browser, 10).until(lambda b: canvas.size["width"] > 100)
    ActionChains(browser).move_to_element_with_offset(canvas, -60, -40).click_and_hold() \
        .move_by_offset(100, 70).release().perform()
    crop = items[0].find_element(By.CSS_SELECTOR, "input.crop-value").get_attribute("value")
    assert len(crop.split(",")) == 4
    browser.find_element(By.ID, "upload-submit").click()

    results = WebDriverWait(browser, 15).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".file-results li"))
    by_name = {li.get_attribute("data-file"): li for li in results}
    assert "saved" in by_name["fin-a.jpg"].text and "saved" in by_name["fin-b.jpg"].text
    assert "broken" in by_name["broken.jpg"].text
    assert Photo.objects.count() == 2
    boxed = Photo.objects.get(original_name="fin-a.jpg")
    assert boxed.crop_w < 480 and boxed.proposed_individual == individual

    log_in(browser, live_server, "res")
    browser.get(f"{live_server.url}/en/dois/review/")
    browser.find_element(By.LINK_TEXT, "Start reviewing").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "cand-title")))
    first_url = browser.current_url
    reviewed = Photo.objects.get(pk=int(first_url.rstrip("/").rsplit("/", 1)[1]))
    browser.find_element(By.TAG_NAME, "body").send_keys("1")  # confirm candidate 1
    WebDriverWait(browser, 10).until(lambda b: b.current_url != first_url)
    reviewed.refresh_from_db()
    assert reviewed.state == Photo.State.CONFIRMED and reviewed.individual == individual
    assert Decision.objects.get(photo=reviewed).decided_by.username == "res"
    assert Photo.objects.awaiting_review().count() == 1

    browser.get(f"{live_server.url}/en/dois/individuals/PRE-0042/")
    assert browser.find_elements(By.CSS_SELECTOR, ".gallery img")
