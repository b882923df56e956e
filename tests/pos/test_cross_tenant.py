"""Tenancy through the API: another merchant's cards, customers, checks and rewards do not exist for a key.

Every endpoint answers 404 (or an empty lookup) for them: never 403, which would confirm they exist, and never data.
"""

from dataclasses import dataclass

import pytest

from stampcard.cards.models import Card, CardEvent, Check, CheckState
from stampcard.customers.models import Customer
from stampcard.merchants.models import Location, Role
from stampcard.rewards.models import Reward, RewardState
from tests.api.helpers import checkout_body, post
from tests.conftest import Staff, make_staff
from tests.factories import CardFactory, CustomerFactory, LocationFactory, MerchantFactory, ProgramFactory


@dataclass
class Theirs:
    """Another merchant's data, as a key of ours would try to reach it."""

    card: Card
    customer: Customer
    check: Check
    reward: Reward
    location: Location
    program_id: str

    def secrets(self) -> list[str]:
        """What a refusal must not reveal (an id the caller sent may be echoed back: it tells them nothing)."""
        return [
            self.card.number,
            self.card.qr_payload,
            self.customer.name,
            self.customer.email,
            self.customer.phone,
            str(self.customer.pk),
            str(self.card.program.merchant_id),
            str(self.reward.pk),
        ]


@pytest.fixture
def ours(merchant, location) -> Staff:
    """A manager of our merchant (managers may call every endpoint, adjustments included), with a card of ours."""
    CardFactory(program=ProgramFactory(merchant=merchant), number="222222")
    return make_staff(merchant, Role.MANAGER, location)


@pytest.fixture
def theirs(db) -> Theirs:
    merchant = MerchantFactory(name="The cafe across the street")
    program = ProgramFactory(merchant=merchant, goal=1, reward_title="Their coffee")
    customer = CustomerFactory(
        merchant=merchant,
        name="José Álvarez",
        name_folded="jose alvarez",
        email="jose@example.com",
        phone="+380671112233",
    )
    card = CardFactory(program=program, customer=customer, number="111111")
    staff = make_staff(merchant, Role.CASHIER)
    response = post(staff.client(), "/checkouts", checkout_body(card, external_id="T-1"))
    assert response.status_code == 200
    return Theirs(
        card=card,
        customer=customer,
        check=Check.objects.get(merchant=merchant, external_id="T-1"),
        reward=Reward.objects.get(card=card),
        location=LocationFactory(merchant=merchant),
        program_id=str(program.pk),
    )


# (name, method, path, body, expected code); paths and bodies are built from their data.
NOT_FOUND = [
    ("card by number", "get", lambda t: f"/cards/{t.card.number}", None, "card_not_found"),
    ("card by qr payload", "get", lambda t: f"/cards/{t.card.qr_payload}", None, "card_not_found"),
    (
        "preview on their card",
        "post",
        lambda t: "/checkouts/preview",
        lambda t: checkout_body(t.card, external_id="O-1"),
        "card_not_found",
    ),
    (
        "preview on their card by qr",
        "post",
        lambda t: "/checkouts/preview",
        lambda t: checkout_body(t.card.qr_payload, external_id="O-1"),
        "card_not_found",
    ),
    (
        "commit on their card",
        "post",
        lambda t: "/checkouts",
        lambda t: checkout_body(t.card, external_id="O-1"),
        "card_not_found",
    ),
    (
        "commit on their card by qr",
        "post",
        lambda t: "/checkouts",
        lambda t: checkout_body(t.card.qr_payload, external_id="O-1"),
        "card_not_found",
    ),
    (
        "commit replaying their check on their card",
        "post",
        lambda t: "/checkouts",
        lambda t: checkout_body(t.card, external_id="T-1"),
        "card_not_found",
    ),
    ("reverse their check", "post", lambda t: f"/checkouts/{t.check.external_id}/reverse", None, "check_not_found"),
    ("hand over their reward", "post", lambda t: f"/rewards/{t.reward.pk}/hand-over", None, "reward_not_found"),
    (
        "adjust their card",
        "post",
        lambda t: f"/cards/{t.card.number}/adjustments",
        lambda t: {"delta": 5, "reason": "Nice try"},
        "card_not_found",
    ),
    (
        "adjust their card by qr",
        "post",
        lambda t: f"/cards/{t.card.qr_payload}/adjustments",
        lambda t: {"delta": -1, "reason": "Nice try"},
        "card_not_found",
    ),
    (
        "enrol into their program",
        "post",
        lambda t: "/customers",
        lambda t: {"name": "Olena", "program_id": t.program_id},
        "program_not_found",
    ),
    (
        "commit at their location",
        "post",
        lambda t: "/checkouts",
        lambda t: checkout_body("222222", external_id="O-2", location_id=str(t.location.pk)),
        "location_not_found",
    ),
    (
        "preview at their location",
        "post",
        lambda t: "/checkouts/preview",
        lambda t: checkout_body("222222", external_id="O-2", location_id=str(t.location.pk)),
        "location_not_found",
    ),
]


def _call(staff: Staff, method: str, path: str, body):
    if method == "get":
        return staff.client().get(f"/api/v1{path}")
    return post(staff.client(), path, body)


@pytest.mark.parametrize(
    ("method", "path", "body", "code"), [case[1:] for case in NOT_FOUND], ids=[case[0] for case in NOT_FOUND]
)
def test_another_merchants_object_is_not_found_through_every_endpoint(ours, theirs, method, path, body, code):
    response = _call(ours, method, path(theirs), body(theirs) if body else None)

    assert response.status_code == 404, response.content
    assert response.json()["code"] == code
    assert not any(secret in response.content.decode() for secret in theirs.secrets())


@pytest.mark.parametrize(
    "query",
    [
        lambda t: t.card.number,
        lambda t: t.card.qr_payload,
        lambda t: t.card.qr_payload.lower(),
        lambda t: t.customer.email,
        lambda t: t.customer.email.upper(),
        lambda t: t.customer.phone,
        lambda t: "jose alvarez",
        lambda t: "José",
    ],
    ids=["number", "qr", "qr-lower", "email", "email-upper", "phone", "name", "first-name"],
)
def test_looking_up_another_merchants_customer_finds_nothing(ours, theirs, query):
    response = ours.client().get("/api/v1/cards/lookup", {"q": query(theirs)})

    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_nothing_of_theirs_changes_whatever_our_key_tries(ours, theirs):
    events = CardEvent.objects.filter(card=theirs.card).count()

    for _name, method, path, body, _code in NOT_FOUND:
        _call(ours, method, path(theirs), body(theirs) if body else None)

    theirs.card.refresh_from_db()
    assert (theirs.card.stamps, theirs.card.lifetime_stamps, theirs.card.rewards_earned) == (0, 1, 1)
    assert CardEvent.objects.filter(card=theirs.card).count() == events
    assert Check.objects.get(pk=theirs.check.pk).state == CheckState.COMMITTED
    assert Reward.objects.get(pk=theirs.reward.pk).state == RewardState.READY
    assert not Check.objects.filter(merchant=ours.merchant).exists()
    assert Customer.objects.filter(merchant=ours.merchant).count() == 1


def test_a_card_number_both_merchants_use_resolves_to_our_own_card(ours, theirs):
    mine = Card.objects.get(merchant=ours.merchant)
    CardFactory(program=theirs.card.program, number=mine.number)

    assert ours.client().get(f"/api/v1/cards/{mine.number}").json()["qr"] == mine.qr_payload
    assert [r["qr"] for r in ours.client().get("/api/v1/cards/lookup", {"q": mine.number}).json()["results"]] == [
        mine.qr_payload
    ]
    response = post(ours.client(), "/checkouts", checkout_body(mine, external_id="O-1"))
    assert response.status_code == 200
    assert Check.objects.get(external_id="O-1").card == mine


def test_an_email_another_merchant_knows_is_free_to_enrol_here(ours, theirs):
    response = post(
        ours.client(), "/customers", {"name": "José", "email": theirs.customer.email, "phone": theirs.customer.phone}
    )

    assert response.status_code == 201, response.content
    assert Customer.objects.filter(email=theirs.customer.email).count() == 2


def test_a_check_id_another_merchant_used_is_a_new_check_here(ours, theirs):
    mine = Card.objects.get(merchant=ours.merchant)

    preview = post(ours.client(), "/checkouts/preview", checkout_body(mine, external_id=theirs.check.external_id))
    commit = post(ours.client(), "/checkouts", checkout_body(mine, external_id=theirs.check.external_id))

    assert preview.json()["already_committed"] is False and preview.json()["stamps_to_issue"] == 1
    assert commit.status_code == 200 and commit.json()["stamps_issued"] == 1 and commit.json()["replayed"] is False
    assert Check.objects.filter(external_id=theirs.check.external_id).count() == 2


def test_reversing_a_check_id_both_merchants_used_reverses_only_ours(ours, theirs):
    mine = Card.objects.get(merchant=ours.merchant)
    post(ours.client(), "/checkouts", checkout_body(mine, external_id=theirs.check.external_id))

    response = post(ours.client(), f"/checkouts/{theirs.check.external_id}/reverse")

    assert response.status_code == 200 and response.json()["card"]["number"] == mine.number
    assert Check.objects.get(pk=theirs.check.pk).state == CheckState.COMMITTED


def test_a_cashier_key_is_refused_adjustments_by_role_before_any_card_is_looked_up(cashier, theirs):
    # The refusal is about the key's role, the same for any card: it says nothing about theirs.
    mine = CardFactory(program=ProgramFactory(merchant=cashier.merchant))

    on_theirs = post(cashier.client(), f"/cards/{theirs.card.number}/adjustments", {"delta": 1, "reason": "x"})
    on_mine = post(cashier.client(), f"/cards/{mine.number}/adjustments", {"delta": 1, "reason": "x"})

    assert on_theirs.status_code == on_mine.status_code == 403
    assert on_theirs.content == on_mine.content
