"""Domain objects -> API payloads (plain dicts validated by the response schemas)."""

from typing import Any

from django.conf import settings

from stampcard.cards.models import Card, RewardKind
from stampcard.checkouts.holdings import holdings_by_card
from stampcard.customers.models import Customer
from stampcard.lottery.presenters import draw_payload
from stampcard.merchants.metering import Usage
from stampcard.merchants.models import Merchant
from stampcard.merchants.plans import limits_for
from stampcard.rewards.models import Reward
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.presenters import voucher_payload


def reward_payload(reward: Reward) -> dict[str, Any]:
    return {
        "id": str(reward.pk),
        "kind": reward.kind,
        "state": reward.state,
        "title": reward.title,
        "description": reward.description,
        "image_url": reward.spec.get("image_url", ""),
        "reached_at": reward.created_at,
        "handed_over_at": reward.handed_over_at,
    }


def reward_reached_payload(reward: Reward) -> dict[str, Any]:
    """A reward a write just reached, with what it turned into: the voucher issued, or the lottery's draws."""
    payload = reward_payload(reward)
    voucher = getattr(reward, "voucher", None) if reward.kind == RewardKind.VOUCHER else None
    payload["voucher"] = voucher_payload(voucher) if voucher is not None else None
    draws = (
        reward.lottery_draws.select_related("variant", "seed", "prize_reward")
        if reward.kind == RewardKind.LOTTERY
        else []
    )
    payload["lottery_draws"] = [draw_payload(d) for d in draws]
    return payload


def customer_payload(customer: Customer) -> dict[str, Any]:
    return {
        "id": str(customer.pk),
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "birthday": customer.birthday,
        "marketing_email_consent": customer.marketing_email_consent,
        "language": customer.language,
        "created_at": customer.created_at,
    }


def cards_payload(cards: list[Card]) -> list[dict[str, Any]]:
    """Several cards with their ready rewards and usable vouchers, in a fixed number of queries."""
    ready, vouchers = holdings_by_card(cards=cards)
    return [_card_payload(card, ready[card.pk], vouchers[card.pk]) for card in cards]


def card_payload(card: Card) -> dict[str, Any]:
    return cards_payload([card])[0]


def _card_payload(card: Card, ready: list[Reward], vouchers: list[Voucher]) -> dict[str, Any]:
    return {
        "number": card.number,
        "qr": card.qr_payload,
        "program_id": str(card.program_id),
        "customer": {"id": str(card.customer_id), "name": card.customer.name},
        "stamps": card.stamps,
        "goal": card.rules.goal,
        "milestones": [
            {"at": m["at"], "kind": m["kind"], "title": m["title"], "reached": i < card.milestones_reached}
            for i, m in enumerate(card.rules.milestone_list())
        ],
        "lifetime_stamps": card.lifetime_stamps,
        "rewards_ready": [reward_payload(r) for r in ready],
        "vouchers": [voucher_payload(v) for v in vouchers],
        "urls": {"self": f"{settings.BASE_URL}/api/v1/cards/{card.number}"},
    }


def merchant_payload(merchant: Merchant, usage: Usage) -> dict[str, Any]:
    subscription = merchant.subscription
    limits = limits_for(subscription)
    return {
        "id": str(merchant.pk),
        "name": merchant.name,
        "currency": merchant.currency,
        "timezone": merchant.timezone,
        "locale": merchant.locale,
        "plan": {
            "plan": subscription.plan,
            "interval": subscription.interval,
            "locations_paid": subscription.locations_paid,
            "seats": limits.seats,
            "monthly_operations": limits.monthly_operations,
        },
        "usage": {
            "period_start": usage.period_start,
            "resets_at": usage.resets_at,
            "operations": usage.operations,
            "limit": usage.limit,
            "remaining": usage.remaining,
        },
    }
