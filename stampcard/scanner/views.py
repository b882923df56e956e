"""The scanner web app's pages: the app shell, its web manifest and icons, and the service worker.

The app itself is the bundle built from ``frontend/scanner/src`` into ``static/scanner/dist/`` (``make install``);
everything it does goes through the JSON API at ``/scanner/api/``. The service worker is served from
``/scanner/sw.js`` rather than from ``/static/`` because a worker controls only the pages under its own path.
"""

import hashlib
import io
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from PIL import Image, ImageDraw

# Built by `make install` (frontend/build.mjs); the page and the service worker name the same files.
BUNDLE_JS = "scanner/dist/app.js"
BUNDLE_CSS = "scanner/dist/app.css"
ICON_SVG = "scanner/icon.svg"
ICON_SIZES = (192, 512)
THEME_COLOR = "#1f2937"
BACKGROUND_COLOR = "#111827"
# Seconds of no touch before the kiosk goes back to "scan your card".
KIOSK_IDLE_SECONDS = 45


def _urls() -> dict[str, str]:
    app = reverse("scanner:app")
    return {
        "app": app,
        "api": app + "api/",
        "sw": reverse("scanner:sw"),
        "manifest": reverse("scanner:manifest"),
        "catalog": reverse("scanner:jsi18n"),
    }


@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The single page of the scanner app, in the browser's language (LocaleMiddleware)."""
    config = {
        **_urls(),
        "language": get_language(),
        "kioskIdleSeconds": KIOSK_IDLE_SECONDS,
    }
    response = render(
        request,
        "scanner/app.html",
        {"config": config, "bundle_js": BUNDLE_JS, "bundle_css": BUNDLE_CSS, "icon_svg": ICON_SVG},
    )
    response["Cache-Control"] = "no-cache"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installable on a phone or tablet home screen, opening on /scanner/."""
    urls = _urls()
    icons = [{"src": static(ICON_SVG), "sizes": "any", "type": "image/svg+xml"}]
    for size in ICON_SIZES:
        src = reverse("scanner:icon", kwargs={"size": size})
        icons.append({"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"})
    # The artwork keeps to the central 80% circle, so the same image serves as the maskable icon.
    icons.append(
        {
            "src": reverse("scanner:icon", kwargs={"size": 512}),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    data = {
        "name": _("stampcard scanner"),
        "short_name": _("Scanner"),
        "description": _("Stamp loyalty cards at the counter, on a self-service kiosk or from a barcode scanner."),
        "lang": get_language(),
        "id": urls["app"],
        "start_url": urls["app"],
        "scope": urls["app"],
        "display": "standalone",
        "orientation": "any",
        "background_color": BACKGROUND_COLOR,
        "theme_color": THEME_COLOR,
        "icons": icons,
    }
    response = JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def icon(request: HttpRequest, size: int) -> HttpResponse:
    if size not in ICON_SIZES:
        raise Http404
    response = HttpResponse(icon_png(size), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@lru_cache(maxsize=len(ICON_SIZES))
def icon_png(size: int) -> bytes:
    """A stamp on a dark tile, drawn rather than shipped so that no binary lives in the repository."""
    scale = 4  # drawn large and scaled down: Pillow's shapes have no anti-aliasing of their own
    side = size * scale
    image = Image.new("RGB", (side, side), THEME_COLOR)
    draw = ImageDraw.Draw(image)
    centre, ring = side / 2, side * 0.30
    draw.ellipse((centre - ring, centre - ring, centre + ring, centre + ring), outline="#fbbf24", width=side // 22)
    dot = side * 0.20
    draw.ellipse((centre - dot, centre - dot, centre + dot, centre + dot), fill="#fbbf24")
    tick = [
        (centre - dot * 0.5, centre),
        (centre - dot * 0.1, centre + dot * 0.4),
        (centre + dot * 0.55, centre - dot * 0.4),
    ]
    draw.line(tick, fill=THEME_COLOR, width=side // 28, joint="curve")
    buffer = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _shell() -> list[str]:
    """What the service worker keeps for offline starts: the page, its catalog, bundle, manifest and icons."""
    urls = _urls()
    return [
        urls["app"],
        urls["catalog"],
        urls["manifest"],
        static(BUNDLE_JS),
        static(BUNDLE_CSS),
        static(ICON_SVG),
        *(reverse("scanner:icon", kwargs={"size": size}) for size in ICON_SIZES),
    ]


def _shell_version(shell: list[str]) -> str:
    # A new bundle must reach the devices: the worker's bytes change with it, so the browser installs the new
    # worker, which fills a new cache and drops the old one. Hashed static names (production) change by themselves;
    # the file contents cover development, where the names stay the same.
    digest = hashlib.sha256("\n".join(shell).encode())
    for name in (BUNDLE_JS, BUNDLE_CSS, ICON_SVG):
        path = finders.find(name)
        if isinstance(path, str):
            with open(path, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = _shell()
    urls = _urls()
    response = render(
        request,
        "scanner/sw.js",
        {
            "version": _shell_version(shell),
            "shell_json": json.dumps(shell),
            "scope_json": json.dumps(urls["app"]),
            "api_json": json.dumps(urls["api"]),
            "static_json": json.dumps(settings.STATIC_URL),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = urls["app"]
    # Browsers check for a new worker on each visit; no-cache makes that check reach us.
    response["Cache-Control"] = "no-cache"
    return response
