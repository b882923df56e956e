"""How the walletobjects v1 API answers, apart from what the Google Wallet stand-in stores: Google's error shape, the
route-to-method table of the discovery document, PATCH's merge, and the rules on ``merchantLocations`` that its
schema does not express (reference/wallet.md section 4)."""

import copy
from typing import Any

ERROR_REASONS = {400: "invalid", 401: "authError", 403: "forbidden", 404: "notFound", 409: "duplicate"}


def merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """PATCH as Google applies it: objects merge field by field, arrays and plain values are replaced whole."""
    for name, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(name), dict):
            merge(target[name], value)
        else:
            target[name] = copy.deepcopy(value)
    return target


def route_operation(method: str, parts: list[str]) -> str | None:
    """The discovery document's method for a route under ``/walletobjects/v1/{resource}``, or None."""
    if len(parts) == 1:
        return "insert" if method == "POST" else None
    if len(parts) == 2:
        return {"GET": "get", "PATCH": "patch", "PUT": "update"}.get(method)
    if len(parts) == 3 and parts[2] == "addMessage":
        return "addMessage" if method == "POST" else None
    return None


MAX_MERCHANT_LOCATIONS = 10


def merchant_locations_problem(locations: Any) -> str | None:
    """Google's rules for ``merchantLocations`` beyond its types (the schema checks those): "a maximum of ten on the
    class/object; any additional MerchantLocations added beyond the 10 will be rejected", and latitude/longitude
    outside -90..90 / -180..180 "will be rejected" (walletobjects v1 discovery document)."""
    if not isinstance(locations, list):
        return None
    if len(locations) > MAX_MERCHANT_LOCATIONS:
        return f"merchantLocations: at most {MAX_MERCHANT_LOCATIONS} are allowed, got {len(locations)}."
    for index, point in enumerate(locations):
        if not isinstance(point, dict):
            continue
        for name, bound in (("latitude", 90.0), ("longitude", 180.0)):
            value = point.get(name)
            if isinstance(value, int | float) and not -bound <= value <= bound:
                return f"merchantLocations[{index}].{name}: {value} is outside -{bound:g}..{bound:g}."
    return None


def error(code: int, status: str, message: str) -> tuple[int, dict[str, Any]]:
    reason = ERROR_REASONS.get(code, "backendError")
    errors = [{"message": message, "domain": "global", "reason": reason}]
    return code, {"error": {"code": code, "message": message, "errors": errors, "status": status}}
