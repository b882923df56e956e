"""One way from a signed-in staff session to an Actor: ``merchants.services.staff_actor``."""

import pytest
from django.contrib.auth.models import AnonymousUser

from stampcard.merchants import errors
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from stampcard.merchants.services import staff_actor
from tests.factories import MembershipFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_a_manager_of_one_merchant_acts_for_it_in_the_panel():
    membership = MembershipFactory(role=Role.MANAGER)

    actor = staff_actor(user=membership.user, minimum=Role.MANAGER)

    assert (actor.merchant, actor.membership, actor.user) == (membership.merchant, membership, membership.user)
    assert actor.channel == Channel.PANEL and actor.api_key is None


def test_a_cashier_is_refused_where_a_manager_is_needed():
    membership = MembershipFactory(role=Role.CASHIER)

    with pytest.raises(errors.StaffRoleRequired):
        staff_actor(user=membership.user, minimum=Role.MANAGER)


def test_staff_of_two_merchants_must_name_one_and_then_acts_for_it():
    user = StaffUserFactory()
    first = MembershipFactory(user=user, role=Role.OWNER)
    second = MembershipFactory(user=user, role=Role.MANAGER)

    with pytest.raises(errors.MerchantChoiceNeeded) as refusal:
        staff_actor(user=user)

    assert set(refusal.value.details["merchants"]) == {str(first.merchant_id), str(second.merchant_id)}
    assert staff_actor(user=user, merchant_id=str(second.merchant_id)).merchant == second.merchant


def test_another_merchants_id_an_inactive_membership_and_an_anonymous_visitor_get_no_actor():
    membership = MembershipFactory(role=Role.OWNER)
    other = MembershipFactory(role=Role.OWNER)
    inactive = MembershipFactory(role=Role.OWNER, is_active=False)

    for user, merchant_id in (
        (membership.user, other.merchant_id),
        (inactive.user, None),
        (AnonymousUser(), None),
    ):
        with pytest.raises(errors.StaffRoleRequired):
            staff_actor(user=user, merchant_id=merchant_id)
