"""In a real browser: a member submits the shipped TFLite model on the leaderboard's
page, a real ``train`` worker scores it in the sandbox, and the member sees it ranked on
the board, with the server-drawn history chart, under the site's CSP."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from dois.models import Photo, Submission
from tests.dois.factories import IndividualFactory, PhotoFactory
from tests.e2e.support import log_in, text_of
from tests.hub.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SHIPPED = Path(__file__).resolve().parents[2] / "dois" / "ml" / "shipped" / "fin-embedder-v1.tflite"


def test_a_member_submits_the_shipped_model_and_sees_it_on_the_board(
        browser, live_server, settings, tmp_path, start_worker, purge_queues):
    settings.DOIS_MODEL_DIR = tmp_path / "models"
    for _ in range(4):
        ind = IndividualFactory()
        for k in range(3):
            PhotoFactory(individual=ind, state=Photo.State.CONFIRMED,
                         split=Photo.Split.EVAL if k < 2 else Photo.Split.TRAIN)
    UserFactory(username="finfan", display_name="Fin Fan", roles=["volunteer"])
    start_worker(queues="train", name="board-e2e",
                 env={"DOIS_MODEL_DIR": str(tmp_path / "models")})

    log_in(browser, live_server, "finfan")
    browser.get(f"{live_server.url}/en/dois/leaderboard/")
    browser.find_element(By.LINK_TEXT, "Submit a model").click()
    form = browser.find_element(By.ID, "submit-model")
    form.find_element(By.NAME, "file").send_keys(str(SHIPPED))
    form.find_element(By.NAME, "name").send_keys("shipped-v1")
    form.find_element(By.NAME, "notebook_url").send_keys("https://example.org/my-notebook")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # the submission's page refreshes itself until the worker is done
    text_of(browser, "#submission-status", "Done", timeout=180)
    badge = browser.find_element(By.ID, "submission-status")
    assert badge.value_of_css_property("background-color") == "rgba(220, 252, 231, 1)"
    assert browser.find_element(By.ID, "submission-metrics").text.count("MAP@5") == 1

    browser.get(f"{live_server.url}/en/dois/leaderboard/")
    row = browser.find_element(By.CSS_SELECTOR, "#board tr.board-row")
    cells = [c.text for c in row.find_elements(By.CSS_SELECTOR, "td, th")]
    assert cells[0] == "1" and cells[1] == "shipped-v1" and cells[2] == "Fin Fan"
    sub = Submission.objects.get(name="shipped-v1")
    assert cells[3] == f"{sub.metrics['map5']:.3f}"
    assert row.find_element(By.LINK_TEXT, "notebook").get_attribute("href") == (
        "https://example.org/my-notebook")
    chart = browser.find_element(By.CSS_SELECTOR, "figure.board-figure svg")
    assert chart.size["width"] > 100
    assert len(chart.find_elements(By.CSS_SELECTOR, "circle.board-chart-point")) == 1
