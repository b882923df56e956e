"""Tokens and codes: unguessable, stored as hashes, given back for a reprint, typed forgivingly."""

import uuid

import pytest

from stampcard.receipts import errors, services, tokens
from stampcard.receipts.models import ReceiptToken
from stampcard.receipts.selectors import receipt_get_by_token
from tests.api.helpers import error_of, get

pytestmark = pytest.mark.django_db


def test_tokens_are_distinct_url_safe_and_carry_128_bits():
    made = {tokens.token_for(uuid.uuid4()) for _ in range(200)}

    assert len(made) == 200
    assert all(len(t) == 22 and tokens.looks_like_token(t) for t in made)
    assert len(tokens.base64.urlsafe_b64decode(next(iter(made)) + "==")) == 16


def test_a_token_is_recovered_for_a_reprint_and_after_a_key_rotation_kept_in_the_fallbacks(settings):
    claim_id = uuid.uuid4()
    settings.SECRET_KEY = "old-" + "k" * 50
    token = tokens.token_for(claim_id)
    stored = tokens.token_hash(token)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "k" * 50, ["old-" + "k" * 50]
    assert tokens.token_recover(claim_id=claim_id, stored_hash=stored) == token
    settings.SECRET_KEY_FALLBACKS = []
    assert tokens.token_recover(claim_id=claim_id, stored_hash=stored) is None


def test_a_claim_whose_key_is_gone_still_scans_but_cannot_be_reprinted(print_claim, cashier, settings):
    created = print_claim()
    settings.SECRET_KEY = "rotated-" + "k" * 50

    assert receipt_get_by_token(token=created.token) == created.claim
    with pytest.raises(errors.ReceiptTokenUnavailable):
        services.receipt_token(created.claim)
    assert (
        error_of(get(cashier.client(), f"/receipts/{created.claim.code}"), 409)["code"] == "receipt_token_unavailable"
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("K7QM-2XWP", "K7QM2XWP"), ("k7qm 2xwp", "K7QM2XWP"), ("K7QM-2XWo", "K7QM2XW0"), ("i7lm2xwp", "171M2XWP")],
)
def test_codes_are_read_as_people_type_them(typed, stored):
    assert tokens.normalize_code(typed) == stored


@pytest.mark.parametrize("typed", ["", "K7QM2XW", "K7QM2XWPX", "K7QM2XWU", "K7QM_2XWP"])
def test_anything_else_is_not_a_code(typed):
    assert tokens.normalize_code(typed) is None


def test_only_the_hash_of_the_token_is_stored(print_claim):
    created = print_claim()

    row = ReceiptToken.objects.values().get()

    assert created.token not in str(row)
    assert row["token_hash"] == tokens.token_hash(created.token)
