"""The hot routes' answers, validated by plain pydantic models (``stampcard.api.rendering``), are the answers ninja's
schemas give: the same bytes for the read routes, the same JSON for the idempotent writes."""

import json
from datetime import datetime

import pytest
from ninja.responses import NinjaJSONEncoder
from pydantic import ValidationError

from stampcard.api import rendering
from stampcard.checkouts import presenters
from stampcard.checkouts import schemas as checkouts_schemas
from stampcard.checkouts.schemas import CardOut, CardUrls, CheckoutOut, RewardOut
from stampcard.merchants.actors import Actor, Channel
from stampcard.pos import schemas
from stampcard.vouchers import services as vouchers_services
from tests.api.helpers import checkout_body, get, post
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory


def ninja_rendered(schema, payload) -> bytes:
    """What ninja's own response step sends for ``payload`` (validate, ``model_dump``, its JSON encoder)."""
    return json.dumps(schema.model_validate(payload).model_dump(), cls=NinjaJSONEncoder).encode()


@pytest.fixture
def full_card(merchant, cashier):
    """A card holding a ready reward and a voucher, with its milestones: every nested object of a card answer."""
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=1))
    assert post(cashier.client(), "/checkouts", checkout_body(card)).status_code == 200
    vouchers_services.voucher_issue(
        actor=Actor(merchant=merchant, channel=Channel.SYSTEM), title="Free cake «Київ»", card=reload(card)
    )
    return reload(card)


def test_a_card_answer_is_the_bytes_ninja_would_send(cashier, full_card):
    response = get(cashier.client(), f"/cards/{full_card.number}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"  # ninja's renderer's
    payload = presenters.card_payload(full_card)
    assert payload["rewards_ready"] and payload["vouchers"] and payload["milestones"]
    assert response.content == ninja_rendered(CardOut, payload)


def test_a_preview_and_a_lookup_answer_are_the_bytes_ninja_would_send(cashier, full_card):
    preview = post(cashier.client(), "/checkouts/preview", checkout_body(full_card))
    lookup = get(cashier.client(), "/cards/lookup", q=full_card.number)

    assert preview.status_code == lookup.status_code == 200
    assert preview.content == ninja_rendered(schemas.PreviewOut, preview.json())
    assert lookup.content == ninja_rendered(schemas.LookupOut, lookup.json())
    assert lookup.json()["results"][0]["vouchers"][0]["title"] == "Free cake «Київ»"


def test_a_commit_answer_is_the_json_the_schema_serializes(cashier, merchant):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=1))

    response = post(cashier.client(), "/checkouts", checkout_body(card))

    body = response.json()
    assert body["rewards"] and body["card"]["rewards_ready"]
    expected = CheckoutOut.__pydantic_serializer__.to_json(CheckoutOut.model_validate(body))
    assert response.content == expected


def test_the_plain_model_has_the_schemas_fields_defaults_and_nesting():
    plain = rendering.plain_model(checkouts_schemas.RewardReachedOut)

    assert list(plain.model_fields) == list(checkouts_schemas.RewardReachedOut.model_fields)
    assert plain.model_fields["image_url"].default == ""
    assert plain.model_fields["lottery_draws"].default == []
    assert rendering.plain_model(RewardOut) is rendering.plain_model(RewardOut)  # built once
    with pytest.raises(ValidationError):  # the nested voucher is validated as a voucher, not passed through
        plain.model_validate({**_reward(), "voucher": {"code": 1}})


def test_a_payload_only_ninjas_getter_reads_is_validated_by_the_schema():
    class Urls:
        def self(self) -> str:  # ninja's getter calls a method; a plain model sees a function, not a string
            return "https://example.test/c/1"

    assert rendering.validated(CardUrls, Urls()).model_dump() == {"self": "https://example.test/c/1"}


def test_a_payload_neither_accepts_still_fails():
    with pytest.raises(ValidationError):
        rendering.to_json_bytes(RewardOut, {"id": "r-1"})


def _reward():
    return {
        "id": "r-1",
        "kind": "award",
        "state": "ready",
        "title": "Coffee",
        "description": "",
        "reached_at": datetime(2026, 1, 1, 12, 0),
        "handed_over_at": None,
    }
