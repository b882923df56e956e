"""Fixtures for receipt claims: a cashier's POS that prints claims, and phones that scan them. The wallet links are
stubbed as in the join tests: these tests are about our pages, not the wallets."""

import itertools
from typing import Any

import pytest
from django.test import Client

from stampcard.cards import links
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card
from stampcard.receipts import services
from tests.public.conftest import phone, stub_wallet_links  # noqa: F401 - the join tests' fixtures apply here too

_ids = itertools.count(1)


def a_check(*, external_id: str | None = None, total: int = 12550, currency: str = "UAH", **extra: Any):
    return CheckInput(
        external_id=external_id if external_id is not None else f"P-{next(_ids)}",
        total=total,
        currency=currency,
        **extra,
    )


def check_body(
    *, external_id: str | None = None, total: int = 12550, currency: str = "UAH", pos: str | None = None, **extra: Any
):
    """A POST /receipts body; ``extra`` goes beside the check (program_id, location_id)."""
    check: dict[str, Any] = {
        "external_id": external_id if external_id is not None else f"P-{next(_ids)}",
        "total": total,
        "currency": currency,
    }
    if pos is not None:
        check["pos"] = pos
    return {"check": check, **extra}


@pytest.fixture
def print_claim(cashier, program):
    """``print_claim(total=..., external_id=...)`` -> services.Created: what the POS does when a check closes."""

    def make(**check: Any) -> services.Created:
        return services.receipt_create(actor=cashier.actor(), check=a_check(**check))

    return make


def holding(client: Client, card: Card) -> Client:
    """The phone opens its web card, which remembers the card on this device (the signed cookie)."""
    assert client.get(links.web_card_path(card)).status_code == 200
    return client


def join_form(**overrides: str) -> dict[str, str]:
    data = {"action": "join", "name": "Olena Kovalenko", "email": "", "terms": "on"}
    data.update(overrides)
    return data
