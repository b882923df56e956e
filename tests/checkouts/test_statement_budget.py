"""The SQL statements of one stamp commit through the whole API stack, pinned (issue 15: at most 8 for a plain commit,
11 when it reaches a reward; 7 now for a plain commit on a card that holds nothing open, which is not asked for its
holdings: ``Card.holds_nothing_open``).

Counted on PostgreSQL (savepoints and locks are what they are in production there), with the test client through
middleware, API-key authentication, ``Idempotency-Key`` and the view, for a paid merchant's cashier key bound to a
location: what the POS API v1 ``POST /checkouts`` and the Poster register's ``POST /poster/checkouts`` cost per
check. A failure prints the statements, so the one that came back is named.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stampcard.cards.models import Card, Program
from stampcard.core.clock import frozen_at
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import BillingInterval, Merchant, Plan
from stampcard.poster.models import AccountStatus, PosterAccount
from stampcard.poster.signatures import make_request_signature
from stampcard.rewards.models import Reward
from tests.api.helpers import checkout_body, post
from tests.conftest import Staff
from tests.factories import CardFactory, ProgramFactory

# Real transactions, as in production: a test-wide transaction would turn every BEGIN/COMMIT into a savepoint pair.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PLAIN_BUDGET = 7
REWARD_BUDGET = 11
GOAL = 8

POSTER_SECRET = "0123456789abcdef0123456789abcdef"
POSTER_ACCOUNT = "kava-budget"
NOW = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def paid_merchant(merchant: Merchant) -> Merchant:
    merchants_services.subscription_change(
        merchant=merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=1
    )
    merchant.refresh_from_db()
    return merchant


@pytest.fixture
def program(paid_merchant: Merchant) -> Program:
    return ProgramFactory(merchant=paid_merchant, goal=GOAL, is_default=True)


@pytest.fixture
def till(cashier: Staff, program: Program) -> Client:
    """The cashier's register after its first commit: the key's last use is recorded (and the key remembered), as
    on every request but the first. The month's usage row of a slot is made by its first operation in the same one
    statement that counts the others."""
    client = cashier.client()
    warm = CardFactory(program=program)
    assert post(client, "/checkouts", checkout_body(warm), **{"Idempotency-Key": "warm-up"}).status_code == 200
    return client


def returning_card(program: Program, client: Client, *, stamps: int) -> Card:
    """A card that has visited before (its first paid visit is behind it) and now holds ``stamps``."""
    card = CardFactory(program=program)
    for n in range(stamps):
        response = post(client, "/checkouts", checkout_body(card), **{"Idempotency-Key": f"{card.number}-{n}"})
        assert response.status_code == 200, response.content
    return card


def statements_of(request: Callable[[], HttpResponse]) -> tuple[HttpResponse, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    return response, [q["sql"] for q in captured.captured_queries]


def listing(statements: list[str]) -> str:
    return "\n".join(f"{n:2}. {sql}" for n, sql in enumerate(statements, 1))


def test_a_plain_commit_takes_at_most_seven_statements(till, program):
    card = returning_card(program, till, stamps=2)

    response, statements = statements_of(
        lambda: post(till, "/checkouts", checkout_body(card), **{"Idempotency-Key": "plain"})
    )

    assert response.status_code == 200, response.content
    assert response.json()["stamps_issued"] == 1 and response.json()["rewards"] == []
    assert len(statements) <= PLAIN_BUDGET, f"{len(statements)} statements:\n{listing(statements)}"


def test_a_commit_reaching_a_reward_takes_at_most_eleven_statements(till, program):
    card = returning_card(program, till, stamps=GOAL - 1)

    response, statements = statements_of(
        lambda: post(till, "/checkouts", checkout_body(card), **{"Idempotency-Key": "reward"})
    )

    assert response.status_code == 200, response.content
    assert [r["kind"] for r in response.json()["rewards"]] == ["award"]
    assert len(statements) <= REWARD_BUDGET, f"{len(statements)} statements:\n{listing(statements)}"


def test_a_card_whose_reward_was_handed_over_is_read_once_more_then_commits_plain(till, program, manager):
    card = returning_card(program, till, stamps=GOAL)
    [reward] = Reward.objects.filter(card=card)
    assert post(manager.client(), f"/rewards/{reward.pk}/hand-over", {}).status_code == 200

    first, read_again = statements_of(
        lambda: post(till, "/checkouts", checkout_body(card), **{"Idempotency-Key": "after-hand-over"})
    )
    second, plain = statements_of(lambda: post(till, "/checkouts", checkout_body(card), **{"Idempotency-Key": "next"}))

    assert (first.status_code, first.json()["card"]["rewards_ready"]) == (200, [])
    assert (second.status_code, second.json()["card"]["rewards_ready"]) == (200, [])
    # Its holdings read, and the record that it found nothing.
    assert len(read_again) <= PLAIN_BUDGET + 2, f"{len(read_again)} statements:\n{listing(read_again)}"
    assert len(plain) <= PLAIN_BUDGET, f"{len(plain)} statements:\n{listing(plain)}"


@pytest.fixture
def poster_account(settings, paid_merchant: Merchant) -> PosterAccount:
    settings.POSTER_APPLICATION_SECRET = POSTER_SECRET
    settings.BASE_URL = "https://loyalty.example.com"
    return PosterAccount.objects.create(
        merchant=paid_merchant,
        account=POSTER_ACCOUNT,
        account_number="555222",
        company_name="Kava Budget",
        currency=paid_merchant.currency,
        status=AccountStatus.CONNECTED,
    )


def post_from_register(client: Client, body: dict, *, key: str) -> HttpResponse:
    """POST /poster/checkouts as Poster's proxy sends it: signed over URL + body + time + the app's secret."""
    path = "/api/v1/poster/checkouts"
    compact = json.dumps(body, separators=(",", ":"))
    poster_time = str(int(NOW.timestamp()))
    signature = make_request_signature(
        url=f"http://testserver{path}", body=compact, poster_time=poster_time, secret=POSTER_SECRET
    )
    return client.post(
        path,
        data=compact,
        content_type="application/json",
        headers={
            "X-Poster-Signature": signature,
            "X-Poster-Time": poster_time,
            "X-Poster-Url": POSTER_ACCOUNT,
            "X-Poster-Spot-Id": "1",
            "Idempotency-Key": key,
        },
    )


@pytest.mark.parametrize(("stamps", "budget"), [(2, PLAIN_BUDGET + 1), (GOAL - 1, REWARD_BUDGET + 1)])
def test_the_poster_register_pays_one_statement_more_to_check_its_account(
    till, program, poster_account, stamps, budget
):
    card = returning_card(program, till, stamps=stamps)

    with frozen_at(NOW):
        response, statements = statements_of(
            lambda: post_from_register(till, checkout_body(card), key=f"poster-{stamps}")
        )

    assert response.status_code == 200, response.content
    assert response.json()["stamps_issued"] == 1
    assert len(statements) <= budget, f"{len(statements)} statements:\n{listing(statements)}"
