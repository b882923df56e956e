"""The scanner app's JSON API (``/scanner/api/``, ``api``) and its merchant side on the API v1 (``merchant_router``,
mounted at ``/api/v1/scanner``). Thin: auth -> schema -> service -> presenter; errors map to HTTP in one place.

Paired devices authenticate with ``Authorization: Bearer scn_...`` (``auth.DeviceAuth``); the merchant side uses
the API v1's keys. See docs/scanner.md.
"""

import functools
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Status

from stampcard.api.common import ERRORS, actor_of
from stampcard.api.handlers import install_error_handlers
from stampcard.api.idempotency import idempotent_write, render_error
from stampcard.api.middleware import MethodNotAllowed
from stampcard.checkouts.presenters import reward_reached_payload
from stampcard.core.errors import NotFound
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Role
from stampcard.scanner import presenters, schemas, selectors, services
from stampcard.scanner.auth import DeviceAuth, device_of
from stampcard.scanner.errors import DeviceUnpaired
from stampcard.scanner.models import DeviceMode
from stampcard.vouchers import presenters as vouchers_presenters
from stampcard.vouchers.schemas import VoucherOut


class ScannerApi(NinjaAPI):
    """A NinjaAPI whose own 404 (no such path) and 405 (wrong method) answers are JSON too: the project's
    ``ApiErrorPagesMiddleware`` only covers ``/api/``, and the app parses every answer as JSON with a ``code``."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        urls.append(re_path(r"^.*$", _endpoint_not_found))
        return urls


def _json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            json_response = render_error(MethodNotAllowed())
            if allow := response.get("Allow"):
                json_response["Allow"] = allow
            return json_response
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]  # as every ninja view
    return wrapper


def _endpoint_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return render_error(NotFound(_("There is no such endpoint in this API."), code="endpoint_not_found"))


api = ScannerApi(
    title="stampcard scanner API",
    version="1",
    description="The scanner web app's API: pair a device with a staff login, look up cards, stamp them (manual), "
    "self-service scans (kiosk, autopilot) with anti-abuse rules, vouchers and lottery. Paired devices send "
    "`Authorization: Bearer <device token>`. "
    'Errors are `{"code", "message", "details"}`; besides each operation\'s own codes: 400 `invalid_characters` (a '
    "NUL or another control character in the path, query, a header or the body; `details.where` and `details.field` "
    "say where), 413 `payload_too_large`, 422 `validation_error` (`details.fields`).",
    urls_namespace="scanner:scanner-api",
    auth=DeviceAuth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


install_error_handlers(api, not_authenticated=DeviceUnpaired)


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR: behind a proxy the deployment must set it from the trusted forwarded header (docs/operations.md).
    return str(request.META.get("REMOTE_ADDR") or "")


def _card(device: Any, card: Any) -> dict[str, Any]:
    return presenters.card_payload(card, currency=device.merchant.currency, guest=device.mode == DeviceMode.KIOSK)


# --- pairing -------------------------------------------------------------------------------------------------------


@api.post("/login", auth=None, response={200: schemas.LoginOut, **ERRORS}, summary="Log in with a staff login")
def login(request: HttpRequest, body: schemas.LoginIn) -> dict[str, Any]:
    result = services.staff_login(email=body.email, password=body.password, ip=_client_ip(request))
    return presenters.login_payload(user=result.user, ticket=result.ticket, locations=result.locations)


@api.post("/devices", auth=None, response={201: schemas.PairOut, **ERRORS}, summary="Pair this device")
def pair_device(request: HttpRequest, body: schemas.PairIn) -> Status[dict[str, Any]]:
    device, token = services.device_pair(
        ticket=body.ticket, location_id=body.location_id, name=body.name, mode=body.mode
    )
    return Status(201, {"token": token, "device": presenters.device_payload(device)})


@api.get("/device", response={200: schemas.DeviceOut, **ERRORS}, summary="This device")
def get_device(request: HttpRequest) -> dict[str, Any]:
    return presenters.device_payload(device_of(request))


@api.post("/device/mode", response={200: schemas.DeviceOut, **ERRORS}, summary="Switch the device's mode")
def change_mode(request: HttpRequest, body: schemas.ModeIn) -> dict[str, Any]:
    device = services.device_mode_change(
        device=device_of(request), mode=body.mode, email=body.email, password=body.password, ip=_client_ip(request)
    )
    return presenters.device_payload(device)


@api.delete("/device", response={204: None, **ERRORS}, summary="Unpair this device (log out)")
def unpair_self(request: HttpRequest, body: schemas.StaffConfirmIn | None = None) -> Status[None]:
    body = body or schemas.StaffConfirmIn()
    services.device_unpair_self(
        device=device_of(request), email=body.email, password=body.password, ip=_client_ip(request)
    )
    return Status(204, None)


# --- cards (every mode) ----------------------------------------------------------------------------------------------


@api.get("/cards/{ref}", response={200: schemas.ScannerCardOut, **ERRORS}, summary="A card by QR payload or number")
def get_card(request: HttpRequest, ref: str) -> dict[str, Any]:
    device = device_of(request)
    return _card(device, services.device_card_lookup(device=device, ref=ref, ip=_client_ip(request)))


@api.post("/cards/{ref}/stamps", response={200: schemas.StampOut, **ERRORS}, summary="Stamp a card (manual mode)")
def stamp_card(request: HttpRequest, ref: str, body: schemas.StampIn) -> dict[str, Any]:
    device = device_of(request)
    result = services.device_stamp(device=device, card_ref=ref, scan_id=body.scan_id, amount=body.amount)
    return {
        "stamps_issued": result.stamps_issued,
        "card": _card(device, result.card),
        "rewards": [reward_reached_payload(r) for r in result.rewards],
        "replayed": result.replayed,
    }


@api.post(
    "/rewards/{reward_id}/hand-over",
    response={200: schemas.HandOverOut, **ERRORS},
    summary="Hand over a ready award (manual and autopilot modes)",
)
def hand_over_reward(request: HttpRequest, reward_id: str) -> dict[str, Any]:
    device = device_of(request)
    reward = services.device_reward_hand_over(device=device, reward_id=reward_id)
    return {"card": _card(device, selectors.card_by_id(merchant=device.merchant, card_id=reward.card_id))}


# --- self-service (kiosk, autopilot) -------------------------------------------------------------------------------


@api.post("/scans", response={200: schemas.ScanOut, **ERRORS}, summary="A self-service scan of a card's QR")
def scan(request: HttpRequest, body: schemas.ScanIn) -> dict[str, Any]:
    device = device_of(request)
    outcome = services.scan_commit(device=device, qr=body.qr, scan_id=body.scan_id)
    return {
        "stamped": outcome.stamped,
        "stamps_issued": outcome.stamps_issued,
        "refusal": presenters.refusal_payload(outcome.refusal),
        "card": _card(device, outcome.card),
        "rewards": [reward_reached_payload(r) for r in outcome.rewards],
        "replayed": outcome.replayed,
    }


# --- vouchers and lottery (every mode) -----------------------------------------------------------------------------


@api.post("/vouchers/{code}/redeem", response={200: VoucherOut, **ERRORS}, summary="Redeem a voucher")
def redeem_voucher(request: HttpRequest, code: str, body: schemas.RedeemIn | None = None) -> dict[str, Any]:
    body = body or schemas.RedeemIn()
    voucher = services.device_voucher_redeem(
        device=device_of(request), code=code, card_ref=body.card, ip=_client_ip(request)
    )
    return vouchers_presenters.voucher_payload(voucher)


@api.post("/rewards/{reward_id}/draw", response={200: schemas.DrawResultOut, **ERRORS}, summary="Spin a lottery")
def draw_reward(request: HttpRequest, reward_id: str, body: schemas.DrawIn) -> dict[str, Any]:
    device = device_of(request)
    card, draws = services.device_lottery_draw(device=device, reward_id=reward_id, card_ref=body.card)
    return {
        "draws": [presenters.draw_payload(draw) for draw in draws],
        "card": _card(device, selectors.card_by_id(merchant=device.merchant, card_id=card.pk)),
    }


# --- merchant side, on the API v1 ------------------------------------------------------------------------------------

merchant_router = Router(tags=["scanner"])


@merchant_router.get(
    "/devices", response={200: schemas.DevicesOut, **ERRORS}, summary="Paired scanner devices (manager)"
)
def list_devices(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    return {"results": [presenters.device_status_payload(d) for d in selectors.devices_list(actor=actor)]}


@merchant_router.post(
    "/devices/{device_id}/unpair",
    response={200: schemas.DeviceStatusOut, **ERRORS},
    summary="Unpair a scanner device remotely (manager)",
)
@idempotent_write(200, schemas.DeviceStatusOut)
def unpair_device(request: HttpRequest, device_id: str) -> dict[str, Any]:
    device = services.device_unpair_by_actor(actor=actor_of(request), device_id=device_id)
    return presenters.device_status_payload(device)


@merchant_router.get(
    "/alerts", response={200: schemas.AlertsOut, **ERRORS}, summary="Anti-abuse alerts of the scanner (manager)"
)
def list_alerts(request: HttpRequest, state: Literal["open", "reviewed", "all"] = "open") -> dict[str, Any]:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    return {"results": [presenters.alert_payload(a) for a in selectors.alerts_list(actor=actor, state=state)]}


@merchant_router.post(
    "/alerts/{alert_id}/review", response={200: schemas.AlertOut, **ERRORS}, summary="Mark an alert reviewed"
)
@idempotent_write(200, schemas.AlertOut)
def review_alert(request: HttpRequest, alert_id: str) -> dict[str, Any]:
    return presenters.alert_payload(services.alert_review(actor=actor_of(request), alert_id=alert_id))


# The same alerts at the API v1's top level (``/api/v1/alerts``), beside ``/api/v1/scanner/alerts``: the alerts are
# about cards and customers, not only about scanner devices.
alerts_router = Router(tags=["alerts"])


@alerts_router.get("", response={200: schemas.AlertsOut, **ERRORS}, summary="Suspicious-activity alerts (manager)")
def alerts_list(request: HttpRequest, state: Literal["open", "reviewed", "all"] = "open") -> dict[str, Any]:
    """Open (default), reviewed or all alerts, newest first; a key or staff login limited to locations sees those
    locations' alerts only."""
    return list_alerts(request, state=state)


@alerts_router.post(
    "/{alert_id}/review", response={200: schemas.AlertOut, **ERRORS}, summary="Mark an alert reviewed (manager)"
)
@idempotent_write(200, schemas.AlertOut)
def alerts_review(request: HttpRequest, alert_id: str) -> dict[str, Any]:
    """Reviewing again keeps the first review (who and when). 404 ``alert_not_found`` for another merchant's."""
    return presenters.alert_payload(services.alert_review(actor=actor_of(request), alert_id=alert_id))
