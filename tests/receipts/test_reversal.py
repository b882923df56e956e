"""POST /api/v1/checkouts/{external_id}/reverse for a check printed as a receipt claim."""

import pytest

from stampcard.cards.models import Check, CheckState
from stampcard.core import clock
from stampcard.receipts import errors, outcomes, services
from stampcard.receipts.models import ReceiptToken
from tests.api.helpers import error_of, get, post
from tests.conftest import reload
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db


def test_reversing_a_check_nobody_collected_voids_its_claim(cashier, program, print_claim):
    created = print_claim(external_id="P-200")

    response = post(cashier.client(), "/checkouts/P-200/reverse", {"kind": "void"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stamps_reversed"], body["stamps_not_reversed"], body["card"], body["replayed"]) == (0, 0, None, False)
    assert body["receipt_claim"]["voided"] is True
    assert (body["receipt_claim"]["state"], body["receipt_claim"]["void_reason"]) == ("void", "reversed")
    assert body["receipt_claim"]["code"] == created.claim.code
    card = CardFactory(program=program)
    with pytest.raises(errors.ReceiptVoided):
        services.receipt_collect(claim_id=created.claim.pk, card=card)
    assert outcomes.void_text(reload(created.claim)) == ("This purchase was refunded, so the receipt gives no stamps.")
    assert not Check.objects.exists()


def test_reversing_it_again_says_it_was_already_voided(cashier, program, print_claim):
    print_claim(external_id="P-201")
    first = post(cashier.client(), "/checkouts/P-201/reverse").json()

    again = post(cashier.client(), "/checkouts/P-201/reverse").json()

    assert again["replayed"] is True and again["receipt_claim"]["voided_at"] == first["receipt_claim"]["voided_at"]


def test_an_expired_claim_is_voided_by_its_reversal_too(cashier, program, print_claim):
    created = print_claim(external_id="P-202")

    with clock.frozen_at(created.claim.expires_at):
        body = post(cashier.client(), "/checkouts/P-202/reverse").json()

    assert body["receipt_claim"]["state"] == "void"


def test_a_collected_claims_check_reverses_as_usual(cashier, program, print_claim):
    created = print_claim(external_id="P-203")
    card = CardFactory(program=program, stamps=2)
    services.receipt_collect(claim_id=created.claim.pk, card=card)

    body = post(cashier.client(), "/checkouts/P-203/reverse").json()

    assert body["stamps_reversed"] == 1 and body["card"]["number"] == card.number
    assert body["receipt_claim"] is None
    assert reload(card).stamps == 2 and Check.objects.get().state == CheckState.REVERSED
    state = get(cashier.client(), f"/receipts/{created.token}").json()
    assert (state["state"], state["check"]["state"]) == ("claimed", "reversed")
    claim = ReceiptToken.objects.select_related("check_ref").get()
    assert outcomes.claimed_text(claim, same_card=True) == "This purchase was refunded, so its stamps were taken back."


def test_the_claim_of_another_pos_is_reversed_by_naming_that_pos(cashier, program, print_claim):
    print_claim(external_id="P-204", pos="poster")

    assert error_of(post(cashier.client(), "/checkouts/P-204/reverse"), 404)["code"] == "check_not_found"
    body = post(cashier.client(), "/checkouts/P-204/reverse", {"pos": "poster"}).json()

    assert body["receipt_claim"]["voided"] is True


def test_an_unknown_check_is_still_not_found(cashier, program):
    assert error_of(post(cashier.client(), "/checkouts/NOPE/reverse"), 404)["code"] == "check_not_found"


def test_another_merchants_claim_is_not_voided(cashier, program, print_claim):
    from tests.conftest import make_staff
    from tests.factories import ProgramFactory

    print_claim(external_id="P-205")
    stranger = make_staff(ProgramFactory().merchant, cashier.membership.role)

    assert error_of(post(stranger.client(), "/checkouts/P-205/reverse"), 404)["code"] == "check_not_found"
    assert ReceiptToken.objects.get().voided_at is None
