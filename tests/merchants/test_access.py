"""Roles and locations: what a key may do, and where."""

import pytest
from django.test import Client

from stampcard.cards.models import CardEvent, Check, EventKind
from stampcard.core.errors import NotFound, ValidationFailed
from stampcard.merchants import errors, services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Location, Membership, Role
from tests.api.helpers import checkout_body, error_of, post
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory, StaffUserFactory


def adjust(staff, card, delta=2, reason="Missed stamps last week"):
    return post(staff.client(), f"/cards/{card.number}/adjustments", {"delta": delta, "reason": reason})


# -- roles ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        (Role.CASHIER, Role.CASHIER, True),
        (Role.CASHIER, Role.MANAGER, False),
        (Role.CASHIER, Role.OWNER, False),
        (Role.MANAGER, Role.CASHIER, True),
        (Role.MANAGER, Role.MANAGER, True),
        (Role.MANAGER, Role.OWNER, False),
        (Role.OWNER, Role.MANAGER, True),
        (Role.OWNER, Role.OWNER, True),
    ],
)
def test_roles_rank_cashier_below_manager_below_owner(merchant, role, minimum, allowed):
    actor = make_staff(merchant, role).actor()

    if allowed:
        services.ensure_role(actor=actor, minimum=minimum)
    else:
        with pytest.raises(errors.RoleForbidden):
            services.ensure_role(actor=actor, minimum=minimum)


def test_the_system_acts_without_a_role_but_a_staff_channel_without_membership_does_not(merchant):
    services.ensure_role(actor=Actor.system(merchant), minimum=Role.OWNER)

    with pytest.raises(errors.RoleForbidden):
        services.ensure_role(actor=Actor(merchant=merchant, channel=Channel.API), minimum=Role.MANAGER)


def test_a_cashier_key_adjusting_a_card_gets_403_role_forbidden_and_the_card_is_unchanged(cashier, card):
    body = error_of(adjust(cashier, card), 403)

    assert body["code"] == "role_forbidden"
    assert body["details"] == {"required": "manager", "role": "cashier"}
    assert reload(card).stamps == 0
    assert not CardEvent.objects.exists()


def test_a_manager_key_adjusts_a_card(manager, card):
    response = adjust(manager, card, delta=3)

    assert response.status_code == 200, response.content
    assert response.json()["delta"] == 3 and response.json()["card"]["stamps"] == 3
    assert reload(card).stamps == 3
    event = CardEvent.objects.get(card=card)
    assert (event.kind, event.delta, event.reason) == (EventKind.ADJUSTMENT, 3, "Missed stamps last week")
    assert event.actor == manager.membership.user


def test_an_owner_key_adjusts_a_card_too(owner, card):
    assert adjust(owner, card, delta=1).status_code == 200
    assert reload(card).stamps == 1


def test_a_cashier_key_may_commit_checkouts(cashier, card):
    assert post(cashier.client(), "/checkouts", checkout_body(card)).status_code == 200


# -- locations -----------------------------------------------------------------------------------------------------


def test_a_location_bound_key_stamps_at_its_own_location_by_default(cashier, card):
    response = post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-1"))

    assert response.status_code == 200
    assert Check.objects.get(external_id="P-1").location == cashier.location
    assert CardEvent.objects.get(card=card).location == cashier.location


def test_a_location_bound_key_may_name_its_own_location(cashier, card):
    response = post(
        cashier.client(), "/checkouts", checkout_body(card, external_id="P-1", location_id=str(cashier.location.pk))
    )

    assert response.status_code == 200
    assert Check.objects.get(external_id="P-1").location == cashier.location


@pytest.mark.parametrize("path", ["/checkouts", "/checkouts/preview"])
def test_a_location_bound_key_asking_for_another_location_gets_403_location_forbidden(cashier, card, merchant, path):
    elsewhere = LocationFactory(merchant=merchant)

    body = error_of(post(cashier.client(), path, checkout_body(card, location_id=str(elsewhere.pk))), 403)

    assert body["code"] == "location_forbidden"
    assert body["details"] == {"location_id": str(elsewhere.pk)}
    assert not Check.objects.exists() and not CardEvent.objects.exists()
    assert reload(card).stamps == 0


def test_a_key_without_a_location_may_act_at_any_location_of_its_merchant(owner, card, merchant):
    elsewhere = LocationFactory(merchant=merchant)

    response = post(owner.client(), "/checkouts", checkout_body(card, external_id="P-1", location_id=str(elsewhere.pk)))

    assert response.status_code == 200
    assert Check.objects.get(external_id="P-1").location == elsewhere


def test_a_key_without_a_location_that_names_none_records_none(owner, card):
    assert post(owner.client(), "/checkouts", checkout_body(card, external_id="P-1")).status_code == 200
    assert Check.objects.get(external_id="P-1").location is None


def test_a_membership_limited_to_some_locations_cannot_act_for_others(merchant, card):
    allowed, other = LocationFactory(merchant=merchant), LocationFactory(merchant=merchant)
    staff = make_staff(merchant, Role.CASHIER)  # the key is not bound; the membership is limited
    staff.membership.locations.set([allowed])

    refused = post(staff.client(), "/checkouts", checkout_body(card, location_id=str(other.pk)))
    accepted = post(staff.client(), "/checkouts", checkout_body(card, location_id=str(allowed.pk)))

    assert error_of(refused, 403)["code"] == "location_forbidden"
    assert accepted.status_code == 200
    assert list(Check.objects.values_list("location", flat=True)) == [allowed.pk]


@pytest.mark.parametrize("location_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_location_is_not_found(owner, card, location_id):
    body = error_of(post(owner.client(), "/checkouts", checkout_body(card, location_id=location_id)), 404)

    assert body["code"] == "location_not_found"


def test_location_for_actor_resolves_the_asked_location_or_the_keys_own(cashier, merchant):
    assert services.location_for_actor(actor=cashier.actor(), location_id=None) == cashier.location
    assert services.location_for_actor(actor=cashier.actor(), location_id=str(cashier.location.pk)) == cashier.location
    with pytest.raises(errors.LocationForbidden):
        services.location_for_actor(actor=cashier.actor(), location_id=str(LocationFactory(merchant=merchant).pk))
    with pytest.raises(NotFound):
        services.location_for_actor(actor=cashier.actor(), location_id=str(LocationFactory().pk))


def test_a_membership_cannot_be_limited_to_another_merchants_location(paid_merchant):
    foreign = LocationFactory(merchant=MerchantFactory())
    user = StaffUserFactory()

    with pytest.raises(ValidationFailed) as refused:
        services.membership_create(merchant=paid_merchant, user=user, role=Role.CASHIER, locations=[foreign])

    assert refused.value.code == "location_not_found"
    assert not Membership.objects.filter(user=user).exists()


def test_a_membership_can_be_limited_to_its_merchants_locations(paid_merchant):
    spot = services.location_create(merchant=paid_merchant, name="Podil")

    membership = services.membership_create(
        merchant=paid_merchant, user=StaffUserFactory(), role=Role.CASHIER, locations=[spot]
    )

    assert list(membership.locations.all()) == [spot]


def test_a_key_cannot_be_bound_to_a_location_its_membership_may_not_act_for(merchant):
    allowed, other = LocationFactory(merchant=merchant), LocationFactory(merchant=merchant)
    staff = make_staff(merchant, Role.CASHIER)
    staff.membership.locations.set([allowed])

    with pytest.raises(errors.LocationForbidden):
        services.api_key_create(membership=staff.membership, name="Till at the other spot", location=other)

    key, _raw = services.api_key_create(membership=staff.membership, name="Till", location=allowed)
    assert key.location == allowed


# -- deactivated locations -----------------------------------------------------------------------------------------


def test_a_key_bound_to_a_deactivated_location_stamps_no_more(cashier, card):
    Location.objects.filter(pk=cashier.location.pk).update(is_active=False)

    body = error_of(post(cashier.client(), "/checkouts", checkout_body(card)), 403)

    assert body["code"] == "location_inactive" and body["details"] == {"location_id": str(cashier.location.pk)}
    assert not Check.objects.exists() and reload(card).stamps == 0


def test_a_deactivated_location_cannot_be_named_in_a_checkout(owner, card, merchant):
    closed = LocationFactory(merchant=merchant, is_active=False)

    body = error_of(post(owner.client(), "/checkouts", checkout_body(card, location_id=str(closed.pk))), 403)

    assert body["code"] == "location_inactive"
    assert not Check.objects.exists()


def test_deactivating_the_free_plans_location_to_open_another_does_not_keep_the_old_one_working(
    free_merchant, owner_user
):
    old = services.location_create(merchant=free_merchant, name="Old spot")
    program = ProgramFactory(merchant=free_merchant)
    card = CardFactory(program=program)
    membership = Membership.objects.get(merchant=free_merchant, user=owner_user)
    _key, old_till = services.api_key_create(membership=membership, name="Old till", location=old)
    Location.objects.filter(pk=old.pk).update(is_active=False)
    new = services.location_create(merchant=free_merchant, name="New spot")
    _key, new_till = services.api_key_create(membership=membership, name="New till", location=new)

    at_old = post(Client(headers={"Authorization": f"Bearer {old_till}"}), "/checkouts", checkout_body(card))
    at_new = post(Client(headers={"Authorization": f"Bearer {new_till}"}), "/checkouts", checkout_body(card))

    assert error_of(at_old, 403)["code"] == "location_inactive"
    assert at_new.status_code == 200
    assert list(Check.objects.values_list("location", flat=True)) == [new.pk]
