"""The catalogue of webhook events: their names, what each means in plain words, and where each comes from.

Events that happen on a card come from the ledger (``CardEvent``): ``LEDGER_EVENTS`` maps a ledger kind to the
event names it gives, so a new ledger kind is one line here and every channel that writes it (POS, Poster, receipt
QR, scanner, kiosk, inserts, panel) is covered at once. The kinds are plain strings, so a line may name a kind the
ledger does not have yet (it then simply never matches).

``birthday.reached``, ``inactivity.reached`` and ``campaign.sent`` are in the catalogue (endpoints can choose them;
``docs/webhooks.md`` shows their payloads) and are emitted through ``services.event_emit`` by the automations and
campaigns that send them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stampcard.cards.models import CardEvent


@dataclass(frozen=True)
class EventType:
    name: str
    description: str | Promise


CATALOGUE: tuple[EventType, ...] = (
    EventType("card.issued", _("A customer got a new card (joined the program).")),
    EventType("card.installed", _("A customer added their card to Apple Wallet or Google Wallet.")),
    EventType("stamp.added", _("Stamps were added to a card (a paid check, a scan, a receipt QR, by hand).")),
    EventType("stamp.reversed", _("Stamps were taken back (a refund or a cancelled check).")),
    EventType("goal.reached", _("A card reached the program's goal: the round is complete.")),
    EventType("reward.issued", _("A reward was issued to a card (at the goal, a milestone, a gift).")),
    EventType("reward.handed_over", _("The cashier handed a reward over to the customer.")),
    EventType("voucher.issued", _("A voucher was put on a customer's card.")),
    EventType("voucher.redeemed", _("A voucher on a card was redeemed.")),
    EventType("voucher.expired", _("A voucher on a card expired unused.")),
    EventType("lottery.played", _("A customer played a lottery draw.")),
    EventType("birthday.reached", _("A customer's birthday is coming (sent by the birthday automation).")),
    EventType("inactivity.reached", _("A customer has not visited for a while (sent by the win-back automation).")),
    EventType("campaign.sent", _("A campaign finished sending.")),
)
EVENT_NAMES: tuple[str, ...] = tuple(event.name for event in CATALOGUE)
TEST_EVENT = "ping"  # what "Send test event" sends; every endpoint takes it whatever it chose


def _goal(event: CardEvent) -> list[str]:
    # A milestone's reward (not a gift from an insert or a lottery); the last milestone of a round takes its stamps
    # off the card: that is the goal.
    if event.payload.get("source") or "milestone" not in event.payload:
        return ["reward.issued"]
    return ["goal.reached", "reward.issued"] if event.delta < 0 else ["reward.issued"]


# ledger kind -> the events it gives (a list, or a function of the ledger row for the kinds that depend on it).
LEDGER_EVENTS: dict[str, list[str] | Callable[[CardEvent], list[str]]] = {
    "card_issued": ["card.issued"],
    "pass_installed": ["card.installed"],
    "stamp": ["stamp.added"],
    "referral_bonus": ["stamp.added"],  # bonus stamps for a referral (the line's payload says which and why)
    "reversal": ["stamp.reversed"],
    "reward_issued": _goal,
    "reward_handed_over": ["reward.handed_over"],
    "voucher_issued": ["voucher.issued"],
    "voucher_redeemed": ["voucher.redeemed"],
    "voucher_expired": ["voucher.expired"],
    "lottery_draw": ["lottery.played"],
}


def events_of(event: CardEvent) -> list[str]:
    """The webhook events one ledger line gives (none for most bookkeeping kinds)."""
    found = LEDGER_EVENTS.get(event.kind)
    if found is None:
        return []
    return found(event) if callable(found) else list(found)


def example_payloads() -> dict[str, dict[str, Any]]:
    """The ``data`` of each event as the docs and the panel's test event show it."""
    card = {
        "number": "482913",
        "program_id": "6f1c2d9e-0b7a-4c55-9a53-1d2f3e4a5b6c",
        "stamps": 3,
        "goal": 8,
        "lifetime_stamps": 19,
    }
    customer = {"id": "0c8b7a1e-2f3d-4e5f-8a9b-0c1d2e3f4a5b", "name": "Olena K", "email": "olena@example.com"}
    check = {"external_id": "P-10492", "total": 12550, "currency": "UAH"}
    location = {"id": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", "name": "Blue Cup Centre"}
    base = {"card": card, "customer": customer, "location": location, "channel": "poster"}
    reward = {"id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a", "kind": "voucher", "title": "Free cappuccino"}
    voucher = {
        "id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "code": "K7QM2XWP9H",
        "title": "Free cappuccino",
        "state": "active",
        "expires_at": "2027-01-31T21:59:59Z",
    }
    return {
        "card.issued": {**base, "channel": "public"},
        "card.installed": {**base, "channel": "system", "wallet": "apple"},
        "stamp.added": {**base, "stamps_added": 1, "check": check},
        "stamp.reversed": {**base, "stamps_removed": 1, "check": {**check, "reversal": "refund"}},
        "goal.reached": {**base, "reward": reward, "milestone": 0},
        "reward.issued": {**base, "reward": reward, "milestone": 0},
        "reward.handed_over": {**base, "reward": {**reward, "kind": "award", "state": "handed_over"}},
        "voucher.issued": {**base, "voucher": voucher},
        "voucher.redeemed": {**base, "voucher": {**voucher, "state": "redeemed"}, "check": check},
        "voucher.expired": {**base, "voucher": {**voucher, "state": "expired"}},
        "lottery.played": {
            **base,
            "draw": {"id": "7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b", "outcome": "voucher", "prize": "Free dessert"},
        },
        "birthday.reached": {"card": card, "customer": {**customer, "birthday": "1991-05-04"}, "days_before": 3},
        "inactivity.reached": {"card": card, "customer": customer, "days_since_last_visit": 45},
        "campaign.sent": {
            "campaign": {"id": "3c2b1a0f-9e8d-4c7b-6a5f-4e3d2c1b0a9f", "name": "Autumn menu"},
            "recipients": 1240,
            "delivered": 1198,
            "failed": 42,
        },
    }
