"""A headless system Chromium driven by selenium, for the viewer's tests and benchmarks/viewer.py.

Debian's `chromium` and `chromium-driver` (apt-get install chromium chromium-driver); selenium is
told where both are, so it never looks for a driver on the network. `missing()` says what is
absent, for a skip message.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


def _browser() -> str | None:
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def missing() -> str | None:
    """Why no browser can be driven here (None: one can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    if _browser() is None or shutil.which("chromedriver") is None:
        return "no Chromium here (apt-get install chromium chromium-driver)"
    return None


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 900) -> Iterator:
    """A fresh headless Chromium (its own profile directory, deleted afterwards) as a WebDriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="resgraph-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = _browser()
        for flag in (*FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def errors(driver) -> list[str]:
    """The page's console errors since the last call (uncaught exceptions included)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
