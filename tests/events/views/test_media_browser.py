"""In a real browser, under the site's own CSP: an event's uploaded photo loads through
its view, a notebook's plot (a data: PNG) and its highlighted code show, and a remote
image in a description is never requested."""

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from events import services
from tests.events.factories import EventFactory, OrganiserFactory
from tests.events.support import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _loaded(browser, selector: str) -> list[int]:
    """naturalWidth of each image matching ``selector``, once all have loaded (or failed);
    lazy images are scrolled into view first."""

    def widths(driver):
        found = driver.execute_script(
            "const imgs = Array.from(document.querySelectorAll(arguments[0]));"
            "imgs.forEach(img => img.scrollIntoView());"
            "return imgs.map(img => img.complete ? img.naturalWidth : -1);", selector)
        return found if found and -1 not in found else False

    return WebDriverWait(browser, 15).until(widths)


def test_photos_plots_and_code_show_under_the_csp(browser, live_server):
    organiser = OrganiserFactory(username="org")
    event = EventFactory(
        organisers=[organiser],
        description="Hello ![pixel](https://tracker.invalid/p.gif) <p class='notice bad'>x</p>")
    services.photos_upload(actor=organiser, event=event, uploads=[
        SimpleUploadedFile("room.png", image_bytes((900, 600), color=(30, 90, 160)))])
    plot = base64.b64encode(image_bytes((64, 40), color=(200, 60, 20))).decode()
    notebook = services.material_add(
        actor=organiser, event=event, title="Plots", kind="notebook",
        upload=SimpleUploadedFile("plots.ipynb", json.dumps({
            "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": 1,
                       "source": "import keras\nplot(history)",
                       "outputs": [{"output_type": "display_data", "metadata": {},
                                    "data": {"image/png": plot, "text/plain": "<Figure>"}}]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()))

    browser.get(live_server.url + event.get_absolute_url())
    assert _loaded(browser, "#gallery img") == [480]
    assert not browser.find_elements(By.CSS_SELECTOR, ".event-main .markdown img")
    assert not browser.find_elements(By.CSS_SELECTOR, ".event-main .markdown .notice")
    assert "pixel" in browser.find_element(By.CSS_SELECTOR, ".event-main .markdown").text

    browser.get(live_server.url + notebook.get_absolute_url())
    assert _loaded(browser, ".notebook .nb-outputs img") == [64]
    keyword = browser.find_element(By.CSS_SELECTOR, ".notebook .highlight .kn")
    assert keyword.text == "import"
    # the colour comes from the static notebook.css (Pygments' default style)
    assert keyword.value_of_css_property("color") == "rgba(0, 128, 0, 1)"
