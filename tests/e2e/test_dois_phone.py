"""DoIs on a phone (issue 14, item 5): every main page fits 390 px without sideways
scrolling, in both languages, and the volunteer's and researcher's day works there:
upload, correct the box, the job runs again (a real worker), a researcher confirms from
the queue and undoes it from the next page.

Set ``DOIS_SCREENSHOTS=/some/folder`` to keep a screenshot of each page.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dois import services
from dois.models import Decision, IdentificationJob, ModelVersion, Photo
from dois.services import identification_job_result_store
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory, image_bytes
from tests.dois.jobs_support import gallery_make, model_version, tiny_model_path  # noqa: F401
from tests.e2e.support import log_in
from tests.hub.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390
SHOTS = os.environ.get("DOIS_SCREENSHOTS")


def phone(browser) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True})


def fits(browser, name: str) -> int:
    """The page's width in CSS pixels, after its images loaded; a screenshot if asked."""
    WebDriverWait(browser, 15).until(lambda b: b.execute_script(
        "return document.readyState === 'complete' && Array.from(document.images)"
        ".every(i => i.complete || i.loading === 'lazy')"), message=name)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(SHOTS) / f"{name}.png"))
    return browser.execute_script("return document.documentElement.scrollWidth")


def scene():
    """A catalogue, a photo waiting with a finished job, a merge to split, an export."""
    researcher = UserFactory(username="res", roles=["researcher"])
    volunteer = UserFactory(username="vol", roles=["volunteer"])
    version = ModelVersion.objects.create(name="fin-embedder-phone", file_path="x",
                                          embedding_dim=8, input_size=64, threshold=0.5,
                                          is_active=True)
    pearl = IndividualFactory(code="PRE-0042", nickname="Pearl with a rather long nickname")
    other = IndividualFactory(code="PRE-0043", nickname="Jade")
    sighting = SightingFactory(area="Lingding Bay, west of the bridge's third pier",
                               trip="Survey vessel Zhonghua Bai Haitun 2")
    refs = []
    for ind in (pearl, other):
        for _ in range(3):
            ref = PhotoFactory(sighting=sighting, uploaded_by=volunteer)
            services.decision_record(photo=ref, action="confirm", individual=ind,
                                     actor=researcher)
            refs.append(ref)
    waiting = PhotoFactory(sighting=sighting, uploaded_by=volunteer,
                           original_name="a-very-long-file-name-from-a-camera-DSC_000123.JPG",
                           proposed_individual=other)
    PhotoFactory(sighting=sighting, uploaded_by=volunteer)
    job = IdentificationJob.objects.create(photo=waiting, model_version=version,
                                           sent_at=timezone.now())
    identification_job_result_store(
        job_id=job.pk, vector=np.ones(8, np.float32),
        candidates=[(pearl.pk, 0.91, refs[0].pk), (other.pk, 0.42, refs[3].pk)],
        new_individual_probability=0.125, timings={})
    merged = IndividualFactory(code="PRE-0044")
    services.individual_merge(source=merged, target=other, actor=researcher)
    return {"waiting": waiting, "job": job, "pearl": pearl, "other": other}


def test_every_main_page_fits_a_phone_in_both_languages(browser, live_server):
    s = scene()
    volunteer_pages = [
        ("catalogue", "/dois/"),
        ("individual", f"/dois/individuals/{s['pearl'].code}/"),
        ("submit", "/dois/submit/"),
        ("mine", "/dois/mine/"),
        ("job", f"/dois/jobs/{s['job'].pk}/"),
        ("photo-edit", f"/dois/photos/{s['waiting'].pk}/edit/"),
        ("outline", f"/dois/photos/{s['waiting'].pk}/outline/"),
        ("leaderboard", "/dois/leaderboard/"),
    ]
    researcher_pages = [
        ("queue", "/dois/review/"),
        ("review", f"/dois/review/{s['waiting'].pk}/"),
        ("compare", f"/dois/review/{s['waiting'].pk}/compare/{s['pearl'].code}/"),
        ("merge", f"/dois/individuals/{s['pearl'].code}/merge/?target={s['other'].code}"),
        ("split", "/dois/individuals/PRE-0044/split/"),
        ("individual-curator", f"/dois/individuals/{s['other'].code}/"),
        ("exports", "/dois/exports/"),
        ("training", "/dois/training/"),
    ]
    phone(browser)
    too_wide = {}
    for user, pages in (("vol", volunteer_pages), ("res", researcher_pages)):
        log_in(browser, live_server, user)
        for lang in ("en", "zh-hans"):
            for name, path in pages:
                browser.get(f"{live_server.url}/{lang}{path}")
                assert browser.find_elements(By.TAG_NAME, "h1"), (name, lang)
                width = fits(browser, f"{name}-{lang}-390")
                if width > WIDTH:
                    too_wide[f"{name} ({lang})"] = width
    assert browser.execute_script("return window.innerWidth") == WIDTH
    assert not too_wide, too_wide


@pytest.mark.worker
def test_upload_correct_confirm_and_undo_on_a_phone(browser, live_server, tmp_path,
                                                    model_version, start_worker,  # noqa: F811
                                                    purge_queues):
    UserFactory(username="vol", roles=["volunteer"])
    UserFactory(username="res", roles=["researcher"])
    inds, _refs = gallery_make(individuals=2, per_individual=2, model_version=model_version)
    start_worker(queues="identify", name="phone")
    paths = []
    for n in range(2):
        path = tmp_path / f"fin-{n}.jpg"
        path.write_bytes(image_bytes(seed=300 + n, size=(480, 360)))
        paths.append(str(path))

    phone(browser)
    log_in(browser, live_server, "vol")
    browser.get(f"{live_server.url}/en/dois/submit/")
    browser.execute_script("arguments[0].value = '2024-05-01T09:30'",
                           browser.find_element(By.ID, "id_sighting-observed_at"))
    browser.find_element(By.ID, "id_sighting-latitude").send_keys("22.2345")
    browser.find_element(By.ID, "id_sighting-longitude").send_keys("113.7654")
    browser.find_element(By.ID, "id_images").send_keys("\n".join(paths))
    WebDriverWait(browser, 10).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#file-list .file-item")) == 2)
    assert fits(browser, "flow-upload") <= WIDTH
    browser.find_element(By.ID, "upload-submit").click()
    WebDriverWait(browser, 15).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, ".file-results li.ok")) == 2)
    assert fits(browser, "flow-uploaded") <= WIDTH
    first = Photo.objects.get(original_name="fin-0.jpg")
    second = Photo.objects.get(original_name="fin-1.jpg")
    first_job = first.jobs.get()

    # "my photos" links the photo to its correction page: draw a smaller box
    browser.get(f"{live_server.url}/en/dois/mine/")
    assert fits(browser, "flow-mine") <= WIDTH
    browser.find_element(By.CSS_SELECTOR, f'a[href$="/dois/photos/{first.pk}/edit/"]').click()
    canvas = WebDriverWait(browser, 10).until(
        lambda b: b.find_element(By.ID, "box-canvas")
        if b.find_element(By.ID, "box-canvas").size["width"] > 100 else False)
    assert fits(browser, "flow-edit") <= WIDTH
    size = canvas.size
    ActionChains(browser).move_to_element_with_offset(
        canvas, -size["width"] // 4, -size["height"] // 4).click_and_hold().move_by_offset(
        size["width"] // 2, size["height"] // 2).release().perform()
    browser.find_element(By.ID, "photo-edit-save").click()
    # the job page of the new revision: the worker identifies it again
    WebDriverWait(browser, 60).until(
        lambda b: b.find_element(By.ID, "job-status").get_attribute("data-status") == "done"
        or b.find_element(By.ID, "job-status").text == "Done")
    assert fits(browser, "flow-job") <= WIDTH
    first.refresh_from_db()
    assert first.revision == 1 and first.crop_w < 480 and first.crop_h < 360
    new_job = first.jobs.get(revision=1)
    assert new_job.status == "done" and new_job.candidates.exists()
    assert f"/dois/jobs/{new_job.pk}/" in browser.current_url
    first_job.refresh_from_db()
    assert first_job.pk != new_job.pk

    # a researcher confirms it from the queue, lands on the next photo and undoes it there
    log_in(browser, live_server, "res")
    browser.get(f"{live_server.url}/en/dois/review/")
    assert fits(browser, "flow-queue") <= WIDTH
    browser.find_element(By.ID, "start-reviewing").click()
    WebDriverWait(browser, 10).until(lambda b: f"/review/{first.pk}/" in b.current_url)
    assert fits(browser, "flow-review") <= WIDTH
    code = inds[0].code
    browser.find_element(By.CSS_SELECTOR, f'button[name="candidate"][value="{code}"]').click()
    WebDriverWait(browser, 10).until(lambda b: f"/review/{second.pk}/" in b.current_url)
    first.refresh_from_db()
    assert first.state == Photo.State.CONFIRMED and first.individual == inds[0]
    assert fits(browser, "flow-next") <= WIDTH
    browser.find_element(By.CSS_SELECTOR, "#undo-last button").click()
    WebDriverWait(browser, 10).until(lambda b: f"/review/{first.pk}/" in b.current_url)
    first.refresh_from_db()
    assert first.state != Photo.State.CONFIRMED and first.individual is None
    assert Decision.objects.filter(photo=first, action="undo").count() == 1
    assert "waits for a decision again" in browser.find_element(By.CSS_SELECTOR,
                                                                ".messages").text
