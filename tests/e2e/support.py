"""Helpers of the browser tests."""

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


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
