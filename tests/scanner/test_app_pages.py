"""The scanner app's pages: the app shell, its manifest and icons, the service worker and the JS catalog."""

import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from stampcard.scanner import views

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "frontend" / "scanner" / "src"
JS_PO = ROOT / "locale" / "uk" / "LC_MESSAGES" / "djangojs.po"


def get(path: str, language: str = "en"):
    return Client(headers={"Accept-Language": language}).get(path)


def test_the_bundle_is_built_where_the_page_finds_it():
    # `make install` builds it (frontend/build.mjs); a missing bundle is a blank app, so this fails loudly.
    assert finders.find(views.BUNDLE_JS), "run `make frontend` to build the scanner bundle"
    assert finders.find(views.BUNDLE_CSS)


def test_the_page_loads_the_catalog_then_the_bundle_in_the_browser_language():
    response = get("/scanner/", language="uk")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="uk">' in html
    assert '<link rel="manifest" href="/scanner/manifest.webmanifest">' in html
    assert '<link rel="stylesheet" href="/static/scanner/dist/app.css">' in html
    catalog = html.index('<script src="/scanner/jsi18n/"></script>')
    assert html.index('<script src="/static/scanner/dist/app.js" defer></script>') > catalog
    config = json.loads(re.search(r'<script id="scanner-config" type="application/json">(.*?)</script>', html)[1])
    assert config["api"] == "/scanner/api/" and config["sw"] == "/scanner/sw.js" and config["language"] == "uk"
    assert response["Cache-Control"] == "no-cache"


def test_the_manifest_makes_an_installable_app_scoped_to_the_scanner():
    response = get("/scanner/manifest.webmanifest", language="uk")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == manifest["scope"] == manifest["id"] == "/scanner/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "uk"
    assert manifest["name"] and manifest["short_name"]
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


@pytest.mark.parametrize("size", [192, 512])
def test_the_icons_are_pngs_of_their_size(size):
    response = get(f"/scanner/icon-{size}.png")

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.size == (size, size)
    assert image.convert("RGB").getpixel((size // 2, size // 2)) != image.convert("RGB").getpixel((2, 2))


def test_an_icon_of_another_size_is_not_found():
    assert get("/scanner/icon-64.png").status_code == 404


def test_the_service_worker_is_served_under_the_scanner_for_its_scope():
    response = get("/scanner/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/scanner/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body)[1])
    assert {"/scanner/", "/scanner/jsi18n/", "/static/scanner/dist/app.js", "/static/scanner/dist/app.css"} <= set(
        shell
    )
    assert not [url for url in shell if url.startswith("/scanner/api/")]
    assert 'const API = "/scanner/api/";' in body


def test_a_new_bundle_gives_a_new_service_worker(tmp_path, monkeypatch):
    bundle = tmp_path / "app.js"
    monkeypatch.setattr(views.finders, "find", lambda name: str(bundle) if name == views.BUNDLE_JS else None)

    bundle.write_text("console.log(1)")
    before = get("/scanner/sw.js").content
    bundle.write_text("console.log(2)")
    after = get("/scanner/sw.js").content

    assert before != after


def test_the_js_catalog_speaks_ukrainian_and_holds_only_the_scanner_strings():
    ukrainian = get("/scanner/jsi18n/", language="uk")
    english = get("/scanner/jsi18n/", language="en")

    assert ukrainian.status_code == 200 and "javascript" in ukrainian["Content-Type"]
    pair_this_device = json.dumps("Підключіть цей пристрій")[1:-1]  # the catalog escapes non-ASCII
    assert pair_this_device in ukrainian.content.decode()
    assert pair_this_device not in english.content.decode()
    assert "n % 10 >= 2 && n % 10 <= 4" in ukrainian.content.decode()  # Ukrainian plurals: 1 штамп, 2 штампи, 5 штампів
    assert "Available %s" not in ukrainian.content.decode()  # the admin's JS strings are not shipped here


def _po_entries(text: str) -> dict[str, list[str]]:
    entries = {}
    for block in text.split("\n\n"):
        if "msgid" not in block or 'msgid ""\nmsgstr ""\n"' in block:
            continue
        head, _, rest = block.partition("\nmsgstr")
        msgid = "".join(re.findall(r'"(.*)"', head.split("msgid_plural")[0]))
        if msgid:
            entries[msgid] = ["".join(re.findall(r'"(.*)"', part)) for part in re.split(r"\nmsgstr\[\d\]", rest)]
    return entries


def test_every_scanner_string_is_in_the_ukrainian_js_catalog_and_translated():
    marked = set()
    for source in SOURCES.glob("*.js"):
        marked |= set(re.findall(r'\b(?:gettext|ngettext)\(\s*"((?:[^"\\]|\\.)*)"', source.read_text()))
    entries = _po_entries(JS_PO.read_text())

    assert sorted(marked - set(entries)) == [], "run makemessages -d djangojs (see docs/scanner.md)"
    assert [msgid for msgid, strings in entries.items() if not all(strings)] == []
