"""Small builders for checkout tests."""

import itertools

from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card, CardEvent

_ids = itertools.count(1)


def a_check(total: int = 12550, currency: str = "UAH", external_id: str | None = None, pos: str = "api") -> CheckInput:
    return CheckInput(external_id=external_id or f"P-{next(_ids)}", total=total, currency=currency, pos=pos)


def ledger_sum(card: Card) -> int:
    return sum(CardEvent.objects.filter(card=card).values_list("delta", flat=True))
