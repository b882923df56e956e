"""The scanner app as an installed web app: its service worker keeps the app shell (never the API) and opens offline."""

import pytest

from tests.browser import chromium
from tests.factories import LocationFactory
from tests.scanner.scanner_browser import pair, scanner_page, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CACHED_URLS = """async () => {
  await navigator.serviceWorker.ready;
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""


def test_the_service_worker_keeps_the_app_shell_and_the_app_opens_offline(live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    staff_member(merchant, email="barista@example.com")

    with chromium() as browser:
        page = scanner_page(browser, live_server)
        pair(page, email="barista@example.com", location_name="Podil", mode="manual")
        cached = page.evaluate(CACHED_URLS)
        assert "/scanner/" in cached
        assert "/static/scanner/dist/app.js" in cached and "/scanner/jsi18n/" in cached
        assert not [url for url in cached if url.startswith("/scanner/api/")]

        page.reload()  # now under the worker's control
        page.get_by_test_id("manual").wait_for()
        page.context.set_offline(True)
        page.reload()
        page.get_by_test_id("manual").wait_for()
        assert page.get_by_test_id("offline").is_visible()
        assert page.get_by_test_id("location").inner_text() == "Podil"
        assert not [url for url in page.evaluate(CACHED_URLS) if url.startswith("/scanner/api/")]
