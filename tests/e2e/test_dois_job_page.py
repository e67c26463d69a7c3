"""The live job page: queued, then the candidates appear without a reload when the job
is marked done (no worker: the test stores the result through the service). The photo
is not reviewed yet, so only its uploader (and researchers) may follow the job."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from dois.models import IdentificationJob, ModelVersion, Photo
from dois.services import identification_job_result_store
from tests.dois.factories import IndividualFactory, PhotoFactory
from tests.e2e.support import log_in
from tests.hub.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_job_page_shows_candidates_when_the_job_is_done_without_reloading(browser,
                                                                         live_server):
    version = ModelVersion.objects.create(name="fin-embedder-e2e", file_path="x",
                                          embedding_dim=8, input_size=64, threshold=0.5,
                                          is_active=True)
    first, second = IndividualFactory(code="PRE-0510"), IndividualFactory(code="PRE-0511")
    reference = PhotoFactory(individual=first, state=Photo.State.CONFIRMED)
    uploader = UserFactory(username="vol", roles=["volunteer"])
    photo = PhotoFactory(state=Photo.State.SUBMITTED, uploaded_by=uploader)
    job = IdentificationJob.objects.create(photo=photo, model_version=version,
                                           sent_at=timezone.now())

    log_in(browser, live_server, "vol")
    browser.get(f"{live_server.url}/en/dois/jobs/{job.pk}/")
    status = browser.find_element(By.ID, "job-status")
    assert status.text == "Queued"
    assert not browser.find_elements(By.CSS_SELECTOR, "#job-result .candidate")
    # a mark that a reload would wipe out
    browser.execute_script("document.body.setAttribute('data-e2e-mark', 'same-page');")

    assert identification_job_result_store(
        job_id=job.pk, vector=np.ones(8, np.float32),
        candidates=[(first.pk, 0.91, reference.pk), (second.pk, 0.42, None)],
        new_individual_probability=0.125, timings={})

    candidates = WebDriverWait(browser, 30).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#job-result .candidate") or False)
    assert [c.find_element(By.CSS_SELECTOR, "h3 a").text for c in candidates] == [
        "PRE-0510", "PRE-0511"]
    WebDriverWait(browser, 10).until(ec.text_to_be_present_in_element((By.ID, "job-status"),
                                                                      "Done"))
    assert browser.find_element(By.ID, "job-new-probability").text == "0.125"
    assert browser.find_element(
        By.CSS_SELECTOR, f'#job-result img[src*="/dois/photos/{reference.pk}/crop.jpg"]')
    assert browser.find_element(By.TAG_NAME, "body").get_attribute(
        "data-e2e-mark") == "same-page"  # updated in place, not reloaded
