"""The seeded demo as its owner first sees it: the dashboard and the analytics page show the history, drawn.

With SCREENSHOTS_DIR set the pages are saved as PNGs (en and uk, phone and desktop), for people to look at.
"""

import os
from pathlib import Path

import pytest
from django.test import override_settings

from stampcard.demo import seed
from tests.browser import chromium, fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_the_seeded_demo_shows_its_history_on_the_dashboard_and_in_analytics(live_server, tmp_path):
    with override_settings(VAR_DIR=tmp_path):
        demo = seed.seed_demo(base_url=live_server.url)
    with chromium() as browser:
        for language in ("en", "uk"):
            for width in ("phone", "desktop"):
                context = browser.new_context(
                    viewport=VIEWPORTS[width], locale=language, extra_http_headers={"Accept-Language": language}
                )
                context.set_default_timeout(15_000)
                page = context.new_page()
                page.goto(live_server.url + "/login/")
                page.locator("input[name=username]").fill(demo["owner_email"])
                page.locator("input[name=password]").fill(demo["owner_password"])
                page.locator("form button[type=submit].button-primary").click()
                page.wait_for_url("**/panel/")
                assert int(page.get_by_test_id("cards-total").inner_text()) > 60
                _shot(page, f"demo-dashboard-{language}-{width}")

                page.goto(live_server.url + "/panel/analytics/")  # the current week, as a new user first sees it
                for chart in ("days", "hours", "progress"):
                    canvas = page.locator(f"canvas[data-chart={chart}]")
                    canvas.wait_for()
                    painted = canvas.evaluate(
                        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"
                    )
                    assert painted > 500, (chart, painted)
                visits = page.locator("[data-figure=visits] .value").inner_text()
                assert int(visits.replace("\u00a0", "").replace(" ", "").replace(",", "")) > 0
                if width == "phone":
                    assert fits_the_screen(page)
                _shot(page, f"demo-analytics-{language}-{width}")
                context.close()
