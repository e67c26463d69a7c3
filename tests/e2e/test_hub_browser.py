"""A visitor switches the site's language in a real browser."""

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.support import text_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_switches_to_chinese_and_back(browser, live_server):
    browser.get(f"{live_server.url}/en/projects/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Community projects"

    browser.find_element(By.CSS_SELECTOR, ".lang a[hreflang=zh-hans]").click()

    assert text_of(browser, "h1", "社区项目") == "社区项目"
    assert browser.current_url.endswith("/zh-hans/projects/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"

    browser.find_element(By.CSS_SELECTOR, ".lang a[hreflang=en]").click()
    assert text_of(browser, "h1", "Community projects") == "Community projects"


def test_api_docs_render_from_the_site_itself(browser, live_server):
    """Swagger UI loads from this site under its own CSP (it was a blank page from a CDN)."""
    browser.get(f"{live_server.url}/api/docs/")
    title = text_of(browser, ".swagger-ui .info .title", "TFUG hub and DoIs API", timeout=20)
    assert "TFUG hub and DoIs API" in title
    assert browser.find_elements(By.CSS_SELECTOR, ".opblock-tag")  # the API's sections
    sources = [s.get_attribute("src") for s in browser.find_elements(By.TAG_NAME, "script")]
    assert sources and all(s.startswith(live_server.url) for s in sources if s)
