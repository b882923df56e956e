"""Making a batch: what is checked, and what a made batch holds."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from stampcard.core.clock import frozen_at
from stampcard.core.errors import NotFound, ValidationFailed
from stampcard.inserts import services
from stampcard.inserts.benefits import Benefit, benefit_clean
from stampcard.inserts.models import BenefitKind, Insert, InsertClaim
from stampcard.merchants.errors import LocationForbidden, RoleForbidden
from stampcard.merchants.models import Role
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory
from tests.inserts.conftest import inserts_of, make_batch

pytestmark = pytest.mark.django_db


def stamp() -> Benefit:
    return Benefit(kind=BenefitKind.STAMP, stamps=1)


def field_of(error: ValidationFailed) -> str:
    return error.details["fields"][0]["field"]


def test_a_batch_holds_count_inserts_with_serials_and_unguessable_tokens(manager_actor, program, location):
    batch = make_batch(manager_actor, count=40)

    inserts = inserts_of(batch)
    assert [i.serial for i in inserts] == list(range(1, 41))
    tokens = {i.token for i in inserts}
    assert len(tokens) == 40
    assert all(len(t) == 16 and t == t.lower() and t.isalnum() for t in tokens)
    assert batch.program == program and batch.location == location  # the key's location
    assert batch.created_by == manager_actor.user
    assert inserts[6].label == f"{batch.pk.hex[:4].upper()}-0007"


@pytest.mark.parametrize("count", [1, 5000])
def test_a_batch_holds_1_to_5000_inserts(manager_actor, program, count):
    batch = make_batch(manager_actor, count=count)

    assert Insert.objects.filter(batch=batch).count() == count


@pytest.mark.parametrize("count", [0, -1, 5001, True])
def test_a_count_outside_1_to_5000_is_refused(manager_actor, program, count):
    with pytest.raises(ValidationFailed) as refused:
        make_batch(manager_actor, count=count)

    assert refused.value.code == "insert_batch_invalid" and field_of(refused.value) == "count"
    assert not Insert.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"aggregator": "deliveroo"}, "aggregator"),
        ({"aggregator": "glovo", "aggregator_name": "x" * 61}, "aggregator_name"),
    ],
)
def test_a_name_and_a_known_delivery_service_are_required(manager_actor, program, changes, field):
    kwargs = {"name": "Glovo", "count": 2, "benefit": stamp(), "aggregator": "glovo", **changes}

    with pytest.raises(ValidationFailed) as refused:
        services.insert_batch_create(actor=manager_actor, **kwargs)

    assert field_of(refused.value) == field


def test_another_delivery_service_is_named_in_free_text(manager_actor, program):
    batch = services.insert_batch_create(
        actor=manager_actor, name="Dec", count=1, benefit=stamp(), aggregator="other", aggregator_name=" Nova  Poshta "
    )

    assert batch.aggregator_label == "Nova Poshta"


@pytest.mark.parametrize(
    ("benefit", "field"),
    [
        ({"kind": "cashback"}, "benefit.kind"),
        ({"kind": "stamp", "stamps": 0}, "benefit.stamps"),
        ({"kind": "stamp", "stamps": 11}, "benefit.stamps"),
        ({"kind": "voucher", "title": " "}, "benefit.title"),
        ({"kind": "voucher", "title": "x" * 101}, "benefit.title"),
        ({"kind": "voucher", "title": "Free", "validity": {"days": 0}}, "benefit.validity"),
        ({"kind": "voucher", "title": "Free", "validity": {"days": 3, "months": 1}}, "benefit.validity"),
        ({"kind": "voucher", "title": "Free", "validity": {"until": "2026-03-09"}}, "benefit.validity"),
        ({"kind": "gift", "title": ""}, "benefit.title"),
        ({"kind": "gift", "title": "Cookie", "validity": {"days": 3}}, "benefit.validity"),
    ],
)
def test_a_benefit_is_checked_when_the_batch_is_made(merchant, benefit, field):
    with frozen_at(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)), pytest.raises(ValidationFailed) as refused:
        benefit_clean(merchant=merchant, **benefit)

    assert refused.value.code == "insert_batch_invalid" and field_of(refused.value) == field


def test_each_benefit_kind_is_stored_with_its_terms(manager_actor, program):
    stamps = make_batch(manager_actor, kind="stamp", stamps=2)
    voucher = make_batch(
        manager_actor, kind="voucher", title="  Free  cappuccino ", description="Any size", validity={"days": 30}
    )
    gift = make_batch(manager_actor, kind="gift", title="Cookie at the counter")

    assert (stamps.benefit_kind, stamps.stamps) == ("stamp", 2)
    assert (voucher.benefit_title, voucher.benefit_description, voucher.voucher_validity) == (
        "Free cappuccino",
        "Any size",
        {"days": 30},
    )
    assert (gift.benefit_kind, gift.benefit_title, gift.voucher_validity) == ("gift", "Cookie at the counter", None)


def test_only_managers_and_owners_make_batches(merchant, program, cashier, owner):
    with pytest.raises(RoleForbidden):
        make_batch(cashier.actor())

    assert make_batch(owner.actor()).count == 3


def test_the_program_and_location_must_be_the_merchants(manager_actor, program):
    stranger = MerchantFactory()
    with pytest.raises(NotFound) as refused:
        services.insert_batch_create(
            actor=manager_actor, name="x", count=1, benefit=stamp(), program_id=ProgramFactory(merchant=stranger).pk
        )
    assert refused.value.code == "program_not_found"

    with pytest.raises(LocationForbidden):  # the key is bound to its own location
        services.insert_batch_create(
            actor=manager_actor,
            name="x",
            count=1,
            benefit=stamp(),
            location_id=str(LocationFactory(merchant=manager_actor.merchant).pk),
        )
    assert not Insert.objects.exists()


def test_an_owner_key_without_a_location_may_name_one_or_none(merchant, program, owner):
    spot = LocationFactory(merchant=merchant)

    assert (
        services.insert_batch_create(
            actor=owner.actor(), name="x", count=1, benefit=stamp(), location_id=str(spot.pk)
        ).location
        == spot
    )
    assert services.insert_batch_create(actor=owner.actor(), name="y", count=1, benefit=stamp()).location is None


def test_the_database_refuses_a_second_claim_of_one_insert_or_of_one_customer_in_a_batch(manager_actor, program):
    batch = make_batch(manager_actor, count=2)
    first, second = inserts_of(batch)
    card, other = CardFactory(program=program), CardFactory(program=program)
    InsertClaim.objects.create(
        merchant=batch.merchant, insert=first, batch=batch, customer=card.customer, card=card, new_customer=False
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        InsertClaim.objects.create(
            merchant=batch.merchant, insert=first, batch=batch, customer=other.customer, card=other, new_customer=False
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InsertClaim.objects.create(
            merchant=batch.merchant, insert=second, batch=batch, customer=card.customer, card=card, new_customer=False
        )


def test_batches_of_two_merchants_never_share_a_token(manager_actor, program):
    other = make_staff(MerchantFactory(), Role.MANAGER)
    ProgramFactory(merchant=other.merchant)

    tokens = [i.token for i in inserts_of(make_batch(manager_actor, count=50))]
    tokens += [i.token for i in inserts_of(make_batch(other.actor(), count=50))]

    assert len(set(tokens)) == 100
