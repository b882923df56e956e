"""Scanner objects -> API payloads (plain dicts validated by ``scanner.schemas``)."""

from typing import Any

from stampcard.cards.models import Card
from stampcard.lottery.models import LotteryDraw
from stampcard.lottery.presenters import draw_payload as lottery_draw_payload
from stampcard.rewards.models import Reward
from stampcard.rewards.selectors import rewards_ready_by_card
from stampcard.scanner.abuse import Refusal
from stampcard.scanner.models import AbuseAlert, ScannerDevice
from stampcard.scanner.selectors import StaffLocation
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.selectors import vouchers_active_by_card


def device_payload(device: ScannerDevice) -> dict[str, Any]:
    merchant = device.merchant
    return {
        "id": str(device.pk),
        "name": device.name,
        "mode": device.mode,
        "location": {"id": str(device.location_id), "name": device.location.name},
        "merchant": {"id": str(merchant.pk), "name": merchant.name, "currency": merchant.currency},
        "paired_by": device.paired_by.user.email,
        "paired_at": device.paired_at,
        "sound": device.sound,
    }


def device_status_payload(device: ScannerDevice) -> dict[str, Any]:
    """A device as the merchant side sees it: with when it was last seen and whether it is unpaired."""
    return {
        **device_payload(device),
        "last_seen_at": device.last_seen_at,
        "unpaired_at": device.unpaired_at,
        "unpaired_by": device.unpaired_by.email if device.unpaired_by_id and device.unpaired_by else None,
    }


def login_payload(*, user: Any, ticket: str, locations: list[StaffLocation]) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "staff": {"email": user.email, "name": user.full_name or user.email},
        "locations": [
            {
                "id": str(allowed.location.pk),
                "name": allowed.location.name,
                "merchant": {"id": str(allowed.location.merchant_id), "name": allowed.location.merchant.name},
            }
            for allowed in locations
        ],
    }


def _first_name(name: str) -> str:
    words = (name or "").split()
    return words[0] if words else ""


def _voucher_payload(voucher: Voucher) -> dict[str, Any]:
    return {
        "code": voucher.code,
        "display_code": format_code(voucher.code),
        "title": voucher.title,
        "description": voucher.description,
        "expires_at": voucher.expires_at,
        "benefit": voucher.benefit.as_spec(),
    }


def _reward_payload(reward: Reward) -> dict[str, Any]:
    return {"id": str(reward.pk), "kind": reward.kind, "title": reward.title, "description": reward.description}


def card_payload(card: Card, *, currency: str, guest: bool = False) -> dict[str, Any]:
    """A card as the scanner shows it. ``guest`` (kiosk mode) shows the customer's first name only."""
    ready = rewards_ready_by_card(cards=[card])[card.pk]
    vouchers = vouchers_active_by_card(cards=[card])[card.pk]
    rules = card.rules
    name = card.customer.name
    return {
        "number": card.number,
        "qr": card.qr_payload,
        "customer_name": _first_name(name) if guest else name,
        "program": {
            "id": str(card.program_id),
            "name": card.program.name,
            "earning_rule": rules.earning_rule,
            "amount_per_stamp": rules.amount_per_stamp,
            "currency": currency,
        },
        "stamps": card.stamps,
        "goal": rules.goal,
        "milestones": [
            {"at": m["at"], "kind": m["kind"], "title": m["title"], "reached": i < card.milestones_reached}
            for i, m in enumerate(rules.milestone_list())
        ],
        "rewards_ready": [_reward_payload(r) for r in ready],
        "vouchers": [_voucher_payload(v) for v in vouchers],
    }


def refusal_payload(refusal: Refusal | None) -> dict[str, Any] | None:
    return refusal.as_dict() if refusal is not None else None


def draw_payload(draw: LotteryDraw) -> dict[str, Any]:
    """A lottery draw as the API v1 gives it, plus the ``prize`` in a word and a title for the screen."""
    payload = lottery_draw_payload(draw)
    title = draw.prize_reward.title if draw.prize_reward is not None else draw.variant.name
    payload["prize"] = {"kind": draw.outcome, "title": title}
    return payload


def alert_payload(alert: AbuseAlert) -> dict[str, Any]:
    return {
        "id": str(alert.pk),
        "kind": alert.kind,
        "card": alert.card.number,
        "day": alert.day,
        "location": {"id": str(alert.location.pk), "name": alert.location.name} if alert.location else None,
        "device": {"id": str(alert.device.pk), "name": alert.device.name} if alert.device else None,
        "details": alert.details,
        "created_at": alert.raised_at,
        "reviewed_at": alert.reviewed_at,
        "reviewed_by": alert.reviewed_by.email if alert.reviewed_by_id and alert.reviewed_by else None,
    }
