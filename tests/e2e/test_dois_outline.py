"""The outline tool on a phone (issue 13): a volunteer drags the fin's tip on the job page
of a 390 px window, saves, and a real worker identifies the photo again with the
person's outline; a researcher then sees the query's edge over each candidate's on the
review page and zooms in."""

from __future__ import annotations

import pytest
from django.db import transaction
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dois.models import IdentificationJob, Outline
from dois.services import identification_job_create
from tests.dois.jobs_support import fin_gallery_make, fin_photo
from tests.e2e.support import log_in
from tests.hub.factories import UserFactory
from tests.support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WIDTH = 390


def _done(job_id: int):
    def check():
        job = IdentificationJob.objects.get(pk=job_id)
        return job if job.status == "done" else None
    return check


def test_a_volunteer_drags_the_tip_on_a_phone_and_the_photo_is_identified_again(
        browser, live_server, edge_version, start_worker, purge_queues):  # noqa: F811
    volunteer = UserFactory(username="vol", roles=["volunteer"])
    UserFactory(username="res", roles=["researcher"])
    inds, _refs = fin_gallery_make(individuals=3, per_individual=2,
                                   model_version=edge_version)
    start_worker(queues="identify", name="outline")
    photo = fin_photo(individual_seed=0, photo_seed=3, uploaded_by=volunteer)
    with transaction.atomic():
        job = identification_job_create(photo=photo)
    job = wait_for(_done(job.pk), what="the first identification")
    machine = job.outline
    assert machine.made_by == "machine" and machine.ok

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    log_in(browser, live_server, "vol")
    browser.get(f"{live_server.url}/en/dois/jobs/{job.pk}/")
    tip = WebDriverWait(browser, 15).until(
        lambda b: b.find_element(By.CSS_SELECTOR, '.outline-editor circle[data-handle="tip"]'))
    WebDriverWait(browser, 15).until(lambda b: b.execute_script(
        "return document.querySelector('.outline-image').complete"))
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    save = browser.find_element(By.CSS_SELECTOR, ".outline-save")
    assert not save.is_enabled()
    before = (float(tip.get_attribute("cx")), float(tip.get_attribute("cy")))
    ActionChains(browser).move_to_element(tip).click_and_hold().move_by_offset(
        12, 6).move_by_offset(6, 3).release().perform()
    after = (float(tip.get_attribute("cx")), float(tip.get_attribute("cy")))
    assert after[0] > before[0] + 3 and after[1] > before[1]  # moved right and down
    field = browser.find_element(By.CSS_SELECTOR, '.outline-form input[name="tip"]')
    assert field.get_attribute("value") == f"{after[0]:.2f},{after[1]:.2f}"
    assert save.is_enabled() and save.get_attribute("value") == "move"
    save.click()

    # the new job's page: the worker identifies the photo again with the person's outline
    WebDriverWait(browser, 20).until(
        lambda b: "/dois/jobs/" in b.current_url and f"/jobs/{job.pk}/" not in b.current_url)
    new = IdentificationJob.objects.exclude(pk=job.pk).get(photo=photo)
    assert f"/dois/jobs/{new.pk}/" in browser.current_url
    new = wait_for(_done(new.pk), what="the identification after the correction")
    person = Outline.objects.get(photo=photo, made_by="person")
    assert new.outline == person and person.created_by == volunteer
    assert person.action == "move" and person.based_on == machine
    assert person.data["tip"] != machine.data["tip"]
    assert new.timings["outline"] == "person" and new.candidates.exists()
    WebDriverWait(browser, 30).until(
        lambda b: b.find_element(By.ID, "job-status").get_attribute("data-status") == "done"
        or b.find_element(By.ID, "job-status").text == "Done")
    assert "checked by" in browser.find_element(By.CSS_SELECTOR, ".outline-made-by").text
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH

    # the researcher's review page on the phone: the query's edge over each candidate's,
    # zoomed with the + button
    log_in(browser, live_server, "res")
    browser.get(f"{live_server.url}/en/dois/review/{photo.pk}/")
    overlays = WebDriverWait(browser, 15).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".edge-overlay svg") or False)
    assert len(overlays) == new.candidates.count()
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    def view_box():
        return browser.execute_script("return arguments[0].getAttribute('viewBox')",
                                      overlays[0])

    home = view_box()
    button = browser.find_element(By.CSS_SELECTOR, '.edge-overlay [data-edge-zoom="in"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    zoomed = view_box()
    assert zoomed != home
    assert float(zoomed.split()[2]) < float(home.split()[2])  # a smaller box: zoomed in
