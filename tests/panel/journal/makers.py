"""The journal's URL parameters for the panel's URL walk: a ledger line of the shop's card."""

from tests.panel.journal.helpers import record
from tests.panel.objects import Shop, object_maker


@object_maker("event_id")
def _event(shop: Shop):
    if "event_id" not in shop.made:
        shop.made["event_id"] = record(shop).pk
    return shop.made["event_id"]
