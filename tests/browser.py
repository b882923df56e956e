"""Debian Chromium driven by Playwright, for the browser tests (marked ``browser``; they fail, never skip, when
Chromium or Playwright is missing)."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}


@contextmanager
def chromium(*extra_args: str) -> Iterator[object]:
    """A headless Chromium for the duration of the block; ``extra_args`` e.g. Chromium's fake camera switches."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install it with `apt-get install -y chromium`", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: `pip install -e '.[dev]'`", pytrace=False)
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def phone_page(browser, *, user_agent: str, language: str = "en"):
    """A new page in a phone-sized, touch, high-density context speaking ``language``."""
    context = browser.new_context(
        viewport=PHONE,
        user_agent=user_agent,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def fits_the_screen(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
