"""The PassKit web service (``/wallet/apple/v1/...``, Apple's protocol, plain Django views) and the public download
of a card's pass (``/wallet/apple/pass/<token>.pkpass``).

Status codes follow Apple's reference exactly (shared/reference/wallet.md section 2): devices retry anything else
with growing back-off, and a wrong code silently stops updates.
"""

import json
import math
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stampcard.core import clock
from stampcard.core.errors import NotFound
from stampcard.wallet.apple import pkpass, selectors, services
from stampcard.wallet.apple.models import ApplePass

_PRIVATE = {"Cache-Control": "private, no-cache", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _authorized(request: HttpRequest, pass_type: str, serial: str) -> ApplePass | None:
    return selectors.apple_pass_authorized(
        pass_type_identifier=pass_type,
        serial_number=serial,
        authorization=request.headers.get("Authorization", ""),
    )


@csrf_exempt
@require_http_methods(["POST", "DELETE"])
def registration(request: HttpRequest, device: str, pass_type: str, serial: str) -> HttpResponse:
    """POST registers the device for the pass's updates (201 new, 200 known); DELETE unregisters it (200)."""
    apple_pass = _authorized(request, pass_type, serial)
    if apple_pass is None:
        return HttpResponse(status=401)
    if request.method == "DELETE":
        services.device_unregister(apple_pass=apple_pass, device_library_identifier=device)
        return HttpResponse(status=200)
    body = _json_body(request)
    push_token = body.get("pushToken") if body else None
    if not isinstance(push_token, str) or not push_token.strip():
        return HttpResponse(status=400)
    created = services.device_register(
        apple_pass=apple_pass, device_library_identifier=device, push_token=push_token.strip()
    )
    return HttpResponse(status=201 if created else 200)


@require_GET
def serials(request: HttpRequest, device: str, pass_type: str) -> HttpResponse:
    """Serials of the device's passes updated since ``passesUpdatedSince`` (200), or 204 when none."""
    found = selectors.serials_updated_since(
        device_library_identifier=device,
        pass_type_identifier=pass_type,
        since=request.GET.get("passesUpdatedSince") or None,
    )
    if found is None:
        return HttpResponse(status=204)
    serial_numbers, tag = found
    return JsonResponse({"serialNumbers": serial_numbers, "lastUpdated": tag})


def _last_modified(apple_pass: ApplePass) -> tuple[int, bool]:
    """The pass's Last-Modified in whole seconds (HTTP dates have no fractions), and whether that second is over.

    While the second of the last change is still running, another change may land in it: such a pass is never
    answered with 304, and its Last-Modified is the second before, so the device's next If-Modified-Since is older
    than the change and it gets the pass once more after the second ends (git's "racy clean" guard).
    """
    seconds = math.floor(selectors.pass_updated_at(apple_pass).timestamp())
    settled = math.floor(clock.now().timestamp()) > seconds
    return (seconds if settled else seconds - 1), settled


def _pass_response(apple_pass: ApplePass, last_modified: int) -> HttpResponse:
    response = HttpResponse(pkpass.pkpass_build(apple_pass=apple_pass), content_type=pkpass.MEDIA_TYPE)
    response["Last-Modified"] = http_date(last_modified)
    for name, value in _PRIVATE.items():
        response[name] = value
    return response


@require_GET
def latest_pass(request: HttpRequest, pass_type: str, serial: str) -> HttpResponse:
    """The pass as it is now (200), or 304 when it has not changed since ``If-Modified-Since``."""
    apple_pass = _authorized(request, pass_type, serial)
    if apple_pass is None:
        return HttpResponse(status=401)
    last_modified, settled = _last_modified(apple_pass)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if settled and since is not None and last_modified <= since:
        response = HttpResponse(status=304)
        response["Last-Modified"] = http_date(last_modified)
        return response
    return _pass_response(apple_pass, last_modified)


@csrf_exempt
@require_POST
def log(request: HttpRequest) -> HttpResponse:
    """Devices report problems here (bad signature, auth failures); we keep the lines for the operator."""
    body = _json_body(request)
    lines = body.get("logs") if body else None
    if not isinstance(lines, list):
        return HttpResponse(status=400)
    services.device_logs_store(lines=[str(line) for line in lines])
    return HttpResponse(status=200)


@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse:
    """The "Add to Apple Wallet" link: the card's signed pass, behind the card's public token."""
    try:
        apple_pass = selectors.apple_pass_get_by_public_token(token=token)
    except NotFound:
        return HttpResponse(status=404)
    response = _pass_response(apple_pass, _last_modified(apple_pass)[0])
    response["Content-Disposition"] = 'attachment; filename="card.pkpass"'
    return response
