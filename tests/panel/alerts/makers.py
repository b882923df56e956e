"""Suspicious-activity alerts (``scanner.AbuseAlert``) for the panel's URL walk and the alert tests."""

from datetime import date

from stampcard.cards.models import Card
from stampcard.scanner.models import AbuseAlert, AlertKind
from tests.panel.objects import Shop, object_maker


def abuse_alert_create(shop: Shop, *, card: Card | None = None, **fields) -> AbuseAlert:
    """An open unusual-activity alert about ``card`` (the shop's card) at the shop's location."""
    values = {
        "merchant": shop.merchant,
        "kind": AlertKind.UNUSUAL_ACTIVITY,
        "card": card or shop.card,
        "day": date(2027, 1, 15),
        "location": shop.location,
        "details": {"stamp_operations": 9, "threshold": 6, "channels": {"kiosk": 7, "api": 2}},
        **fields,
    }
    return AbuseAlert.objects.create(**values)


@object_maker("abuse_alert_id")
def _abuse_alert(shop: Shop) -> object:
    return abuse_alert_create(shop).pk
