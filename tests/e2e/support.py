"""Helpers of the browser tests."""

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.hub.factories import PASSWORD


def log_in(browser, live_server, username: str) -> None:
    """Log in through the login form and wait until the browser has left that page."""
    login_url = f"{live_server.url}/en/accounts/login/"
    browser.delete_all_cookies()
    browser.get(login_url)
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 15).until(ec.url_changes(login_url))


def text_of(browser, selector: str, expected: str, *, timeout: float = 15) -> str:
    """Wait until an element matching ``selector`` shows ``expected``; return its text.

    After a click, elements of the page being replaced may still be found, then go stale:
    look again until the new page shows what we expect.
    """
    def _match(driver):
        for element in driver.find_elements(By.CSS_SELECTOR, selector):
            text = element.text
            if expected in text:
                return text
        return False

    return WebDriverWait(browser, timeout,
                         ignored_exceptions=(StaleElementReferenceException,)).until(_match)
