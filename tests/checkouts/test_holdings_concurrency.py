"""A voucher put on a card while its answers are read and its checks committed never drops out of its answers
(PostgreSQL, READ COMMITTED, threads with their own connections): the record that a card holds nothing
(``checkouts.holdings._seen_empty``) cannot land over a voucher its read did not see."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.models import Card
from stampcard.checkouts.holdings import holdings_by_card
from stampcard.checkouts.presenters import card_payload
from stampcard.checkouts.services import checkout_commit
from stampcard.merchants.models import Role
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.issuing import voucher_issue_to_card
from tests.cards.helpers import a_check
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory, SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    merchant = MerchantFactory(subscription=None)
    SubscriptionFactory(merchant=merchant, plan="paid", interval="month", locations_paid=1)
    return make_staff(merchant, Role.MANAGER), make_staff(merchant, Role.CASHIER)


@pytest.fixture
def used_card(shop):
    """A card that held a voucher, now used: its answers read its holdings until one finds it empty."""
    manager, _cashier = shop
    card = CardFactory(program=ProgramFactory(merchant=manager.merchant, goal=1000))
    voucher = voucher_issue_to_card(actor=manager.actor(), card=card, title="Used")
    vouchers_services.voucher_redeem(actor=manager.actor(), code=voucher.code)
    return card


def fresh(card: Card) -> Card:
    return cards_selectors.card_get(merchant=card.merchant, ref=card.number)


def in_thread(fn: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        try:
            fn()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_read_waiting_on_a_voucher_being_issued_does_not_mark_the_card_empty(shop, used_card):
    manager, _cashier = shop
    read_before = fresh(used_card)  # the lookup reads the card ...
    issued, release = threading.Event(), threading.Event()

    def issue() -> None:
        with transaction.atomic():
            voucher_issue_to_card(actor=manager.actor(), card=used_card, title="New")
            issued.set()
            release.wait(10)

    writer = in_thread(issue)
    assert issued.wait(10)
    # ... then its holdings, which cannot see the voucher yet: it finds nothing, and waits on the card's row to
    # record so until the voucher's transaction commits.
    reader = in_thread(lambda: holdings_by_card(cards=[read_before]))
    time.sleep(0.5)
    release.set()
    writer.join(10)
    reader.join(10)

    assert not writer.is_alive() and not reader.is_alive()
    assert [v["title"] for v in card_payload(fresh(used_card))["vouchers"]] == ["New"]


def test_vouchers_issued_while_checks_commit_and_answers_are_read_never_drop_out(shop, used_card):
    """A voucher committed before an answer starts is in that answer, as long as it is not redeemed meanwhile."""
    manager, cashier = shop
    state = {"expected": None, "stop": False}
    missed: list[str] = []
    errors: list[BaseException] = []

    def issuer() -> None:
        for n in range(25):
            voucher = voucher_issue_to_card(actor=manager.actor(), card=used_card, title=f"V{n}")
            state["expected"] = voucher.code
            time.sleep(0.02)
            state["expected"] = None  # before its redemption starts
            vouchers_services.voucher_redeem(actor=manager.actor(), code=voucher.code)
        state["stop"] = True

    def check(answer: Callable[[], dict]) -> None:
        expected = state["expected"]
        codes = [v["code"] for v in answer()["vouchers"]]
        if expected is not None and state["expected"] == expected and expected not in codes:
            missed.append(expected)

    def commit_answer(n: list[int]) -> dict:
        n[0] += 1
        with transaction.atomic():  # as the API answers a commit: in its transaction, under the card's lock
            result = checkout_commit(
                actor=cashier.actor(), card_ref=used_card.number, check=a_check(external_id=f"C-{id(n)}-{n[0]}")
            )
            return card_payload(result.card)

    def reader(answer: Callable[[], dict]) -> Callable[[], None]:
        def run() -> None:
            try:
                while not state["stop"]:
                    check(answer)
            except BaseException as error:  # noqa: BLE001 - reported by the test below
                errors.append(error)
                state["stop"] = True

        return run

    def lookup() -> dict:
        return card_payload(fresh(used_card))

    counter = [0]
    threads = [
        in_thread(issuer),
        in_thread(reader(lookup)),
        in_thread(reader(lookup)),
        in_thread(reader(lambda: commit_answer(counter))),
    ]
    for thread in threads:
        thread.join(120)

    assert not errors, errors
    assert not missed, missed
    last = voucher_issue_to_card(actor=manager.actor(), card=used_card, title="Last")
    assert [v["code"] for v in lookup()["vouchers"]] == [last.code]
