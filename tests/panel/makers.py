"""The frame's URL parameters for the panel's URL walk: a limit alert shown on the dashboard."""

from stampcard.api.models import LimitAlert
from stampcard.core import clock
from stampcard.merchants.models import Role
from tests.panel.objects import Shop, object_maker


def limit_alert_create(shop: Shop, *, role: Role = Role.CASHIER, refusals: int = 3, **fields) -> LimitAlert:
    """An open alert about ``role``'s API key, raised now (as ``stampcard.api.misses`` records one)."""
    staff = shop.staff[role]
    now = clock.now()
    values = {
        "merchant": shop.merchant,
        "kind": "lookup",
        "subject": LimitAlert.Subject.API_KEY,
        "subject_key": f"key:{staff.api_key.pk}",
        "api_key": staff.api_key,
        "ip": "203.0.113.7",
        "limit": 30,
        "window_seconds": 600,
        "refusals": refusals,
        "hour": now.replace(minute=0, second=0, microsecond=0),
        "raised_at": now,
        "last_refused_at": now,
        **fields,
    }
    return LimitAlert.objects.create(**values)


@object_maker("alert_id")
def _alert(shop: Shop) -> object:
    return limit_alert_create(shop).pk
