"""The Django side of the mixed-load bench (``bench.load``): seed what every endpoint of the mix needs, and read
back the totals its correctness check compares with what the clients saw.

Run in a subprocess with ``DATABASE_URL`` pointing at the bench database, like ``bench.appctl`` (whose seed it
extends), so the orchestrator never imports Django. Every subcommand prints one JSON document on stdout.

    python -m bench.mixctl seed --cards 1000 --vouchers 4000
    python -m bench.mixctl verify
"""

import argparse
import json
import sys
import time
from typing import Any

from django.core import signing  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Sum, Value  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402

from bench import appctl  # sets Django up
from stampcard.api.models import IdempotencyRecord  # noqa: E402
from stampcard.cards.links import card_token  # noqa: E402
from stampcard.cards.models import Card, CardEvent, EventKind  # noqa: E402
from stampcard.merchants.actors import Actor, Channel  # noqa: E402
from stampcard.merchants.models import Merchant  # noqa: E402
from stampcard.public import remember  # noqa: E402
from stampcard.receipts.models import ReceiptToken  # noqa: E402
from stampcard.rewards.models import Reward, RewardState  # noqa: E402
from stampcard.vouchers import services as vouchers_services  # noqa: E402
from stampcard.vouchers.models import Voucher  # noqa: E402
from stampcard.wallet.apple import services as apple_services  # noqa: E402
from stampcard.wallet.apple.models import AppleRegistration  # noqa: E402


def _remembered_cookie(token: str) -> str:
    """The signed cookie a phone holds after opening its web card: what a receipt claim reads to know the card."""
    signer = signing.get_cookie_signer(salt=remember.COOKIE_NAME + remember.COOKIE_SALT)
    return signer.sign(token)


def seed(*, cards: int, vouchers: int) -> dict[str, Any]:
    """``appctl.seed`` (merchant, cashier key, cards with balances over 0..7), then per card what the phone side
    knows (web token, remembered-card cookie, Apple pass serial and tokens) and a batch of bearer vouchers."""
    base = appctl.seed(cards=cards, prefill=True)
    started = time.perf_counter()
    merchant = Merchant.objects.get(pk=base["merchant_id"])
    by_number = {card.number: card for card in Card.objects.filter(merchant=merchant)}
    extra: list[dict[str, str]] = []
    with transaction.atomic():
        for number in base["cards"]:
            card = by_number[number]
            apple_pass = apple_services.apple_pass_ensure(card=card)
            token = card_token(card)
            extra.append(
                {
                    "number": number,
                    "qr": card.qr_payload,
                    "web_token": token,
                    "cookie": _remembered_cookie(token),
                    "pass_type": apple_pass.pass_type_identifier,
                    "serial": apple_pass.serial_number,
                    "pass_auth": apple_pass.authentication_token,
                    "pass_token": apple_pass.public_token,
                }
            )
        system = Actor(merchant=merchant, channel=Channel.SYSTEM)
        issued = []
        for start in range(0, vouchers, 1000):  # the service issues at most 1000 at a time
            count = min(1000, vouchers - start)
            issued += vouchers_services.voucher_issue(actor=system, title="Bench gift", count=count)
    return {
        **base,
        "cards_extra": extra,
        "vouchers": [voucher.code for voucher in issued],
        "seconds": round(base["seconds"] + time.perf_counter() - started, 3),
    }


def verify() -> dict[str, Any]:
    """``appctl.verify``'s totals plus what the other endpoints of the mix leave behind."""
    totals = appctl.verify()
    totals.update(
        {
            "reversal_events": CardEvent.objects.filter(kind=EventKind.REVERSAL).count(),
            "reversed_stamps": -CardEvent.objects.filter(kind=EventKind.REVERSAL).aggregate(
                s=Coalesce(Sum("delta"), Value(0))
            )["s"],
            "rewards_withdrawn": Reward.objects.filter(state=RewardState.WITHDRAWN).count(),
            "receipts": ReceiptToken.objects.count(),
            "receipts_claimed": ReceiptToken.objects.filter(claimed_at__isnull=False).count(),
            "vouchers_redeemed": Voucher.objects.filter(redeemed_at__isnull=False).count(),
            "apple_registrations": AppleRegistration.objects.count(),
            "idempotency_records": IdempotencyRecord.objects.count(),
        }
    )
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mixctl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_seed = sub.add_parser("seed", help="merchant, key, cards with their phone-side secrets, vouchers")
    p_seed.add_argument("--cards", type=int, default=1000)
    p_seed.add_argument("--vouchers", type=int, default=4000)
    sub.add_parser("verify", help="totals for the correctness check")
    args = parser.parse_args(argv)
    result = seed(cards=args.cards, vouchers=args.vouchers) if args.command == "seed" else verify()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
