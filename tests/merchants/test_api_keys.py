"""API keys: shown once, stored hashed with a visible prefix, revocable, resolved to the acting staff member."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stampcard.cards.models import CardEvent, Check
from stampcard.core.clock import frozen_at
from stampcard.core.errors import NotAuthenticated, ValidationFailed
from stampcard.merchants import errors, services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import ApiKey, Role, StaffUser
from tests.api.helpers import checkout_body, error_of, get, post
from tests.conftest import make_staff, reload
from tests.factories import LocationFactory, MembershipFactory, MerchantFactory


def test_creating_a_key_returns_the_full_secret_once_and_stores_only_its_hash_and_prefix(cashier):
    key, raw = services.api_key_create(membership=cashier.membership, name="Till 1")

    assert raw.startswith(f"sc_{key.prefix}_")
    secret = raw.split("_")[2]
    assert re.fullmatch(r"[0-9a-f]{40}", secret)
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert stored["secret_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert not any(secret in str(value) for value in stored.values())
    assert not any(raw in str(value) for value in stored.values())


def test_the_visible_prefix_identifies_a_key_without_revealing_its_secret(cashier):
    key, raw = services.api_key_create(membership=cashier.membership, name="Till 1")

    assert len(key.prefix) == 10 and key.prefix == key.prefix.lower()
    assert str(key) == f"Till 1 ({key.prefix}…)"
    assert raw.split("_")[2] not in str(key)


def test_every_key_is_a_new_secret(cashier):
    (first, first_raw), (second, second_raw) = (
        services.api_key_create(membership=cashier.membership, name=n) for n in ("a", "b")
    )

    assert first.prefix != second.prefix and first_raw != second_raw
    assert first_raw.split("_")[2] != second_raw.split("_")[2]


def test_a_key_belongs_to_its_membership_and_merchant_and_optionally_one_location(cashier, location):
    key, _raw = services.api_key_create(membership=cashier.membership, name="Till", location=location)

    assert (key.merchant_id, key.membership, key.location) == (cashier.merchant.pk, cashier.membership, location)


def test_a_key_cannot_be_bound_to_another_merchants_location(cashier):
    foreign = LocationFactory(merchant=MerchantFactory())

    with pytest.raises(ValidationFailed) as refused:
        services.api_key_create(membership=cashier.membership, name="Till", location=foreign)

    assert refused.value.code == "location_not_found"
    assert not ApiKey.objects.filter(location=foreign).exists()


def test_a_valid_key_resolves_to_its_staff_member_merchant_and_location(cashier):
    actor = services.api_key_authenticate(raw_key=cashier.raw_key)

    assert isinstance(actor, Actor)
    assert actor.merchant == cashier.merchant
    assert actor.user == cashier.membership.user
    assert actor.membership == cashier.membership
    assert actor.api_key == cashier.api_key
    assert actor.location == cashier.location
    assert actor.channel == Channel.API and actor.role == Role.CASHIER


def test_surrounding_whitespace_around_a_pasted_key_is_ignored(cashier):
    assert services.api_key_authenticate(raw_key=f"  {cashier.raw_key}\n").api_key == cashier.api_key


def test_resolving_a_key_takes_one_query_when_its_last_use_is_recent(cashier, settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "API_KEY_CACHE_SECONDS": 0}  # every request loads the key
    services.api_key_authenticate(raw_key=cashier.raw_key)

    with CaptureQueriesContext(connection) as queries:
        actor = services.api_key_authenticate(raw_key=cashier.raw_key)
        assert actor.merchant.subscription.plan == "free"  # loaded with the key, for metering
        assert actor.location.name and actor.user.email

    assert len(queries) == 1


def test_a_key_used_a_moment_ago_is_resolved_from_memory_without_a_query(cashier):
    services.api_key_authenticate(raw_key=cashier.raw_key)

    with CaptureQueriesContext(connection) as queries:
        actor = services.api_key_authenticate(raw_key=cashier.raw_key)
        assert actor.merchant.subscription.plan == "free"
        assert actor.location.name and actor.user.email and actor.membership.role

    assert len(queries) == 0


def _with_secret(raw: str, secret: str) -> str:
    sc, prefix, _secret = raw.split("_")
    return f"{sc}_{prefix}_{secret}"


@pytest.mark.parametrize(
    "garbled",
    [
        "",
        "nonsense",
        "sc_short_0123",
        "sk_live_0000000000000000000000000000000000000000",
        "sc_aaaaaaaaaa_" + "0" * 40,  # well-formed, unknown prefix
    ],
)
def test_an_unknown_or_garbled_key_is_invalid(cashier, garbled):
    with pytest.raises(errors.ApiKeyInvalid):
        services.api_key_authenticate(raw_key=garbled)


def test_a_known_prefix_with_a_wrong_secret_is_invalid(cashier):
    with pytest.raises(errors.ApiKeyInvalid):
        services.api_key_authenticate(raw_key=_with_secret(cashier.raw_key, "f" * 40))


def test_a_revoked_key_is_refused_as_revoked(cashier):
    services.api_key_revoke(api_key=cashier.api_key)

    assert reload(cashier.api_key).revoked_at is not None
    with pytest.raises(errors.ApiKeyRevoked):
        services.api_key_authenticate(raw_key=cashier.raw_key)


def test_revoking_twice_keeps_the_first_revocation_time(cashier):
    moment = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with frozen_at(moment):
        services.api_key_revoke(api_key=cashier.api_key)
    with frozen_at(moment + timedelta(days=1)):
        services.api_key_revoke(api_key=cashier.api_key)

    assert reload(cashier.api_key).revoked_at == moment


def test_a_revoked_keys_prefix_with_a_wrong_secret_does_not_reveal_the_revocation(cashier):
    services.api_key_revoke(api_key=cashier.api_key)

    with pytest.raises(errors.ApiKeyInvalid):
        services.api_key_authenticate(raw_key=_with_secret(cashier.raw_key, "0" * 40))


def test_a_key_of_a_deactivated_staff_login_is_refused(cashier):
    StaffUser.objects.filter(pk=cashier.membership.user_id).update(is_active=False)

    with pytest.raises(errors.StaffDeactivated):
        services.api_key_authenticate(raw_key=cashier.raw_key)


def test_a_key_of_an_inactive_membership_is_refused(cashier):
    cashier.membership.is_active = False
    cashier.membership.save(update_fields=["is_active"])

    with pytest.raises(errors.StaffDeactivated):
        services.api_key_authenticate(raw_key=cashier.raw_key)


def test_the_refusals_are_all_authentication_failures_with_distinct_codes():
    codes = {cls.code for cls in (errors.ApiKeyInvalid, errors.ApiKeyRevoked, errors.StaffDeactivated)}

    assert codes == {"api_key_invalid", "api_key_revoked", "staff_deactivated"}
    assert all(
        issubclass(cls, NotAuthenticated) and cls.status == 401
        for cls in (errors.ApiKeyInvalid, errors.ApiKeyRevoked, errors.StaffDeactivated)
    )


# -- over HTTP ---------------------------------------------------------------------------------------------------------


def test_a_request_with_a_valid_key_is_served(cashier):
    response = get(cashier.client(), "/merchant")

    assert response.status_code == 200
    assert response.json()["id"] == str(cashier.merchant.pk)


def test_a_request_without_an_authorization_header_is_not_authenticated(cashier):
    body = error_of(get(Client(), "/merchant"), 401)

    assert body["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Basic b2xlbmE6c2VjcmV0", "Bearer", "Bearer    ", "Token abc"])
def test_an_authorization_header_that_is_not_a_bearer_token_is_refused(cashier, header):
    body = error_of(get(Client(headers={"Authorization": header}), "/merchant"), 401)

    assert body["code"] == "invalid_authorization_header"


def _client_with(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize(
    "make_raw",
    [
        lambda raw: "garbage",
        lambda raw: raw[:-1],
        lambda raw: raw + "0",
        lambda raw: _with_secret(raw, "a" * 40),
        lambda raw: raw.upper(),
    ],
    ids=["garbage", "truncated", "extended", "wrong-secret", "upper-cased"],
)
def test_an_unknown_or_garbled_key_gets_401_api_key_invalid(cashier, make_raw):
    body = error_of(get(_client_with(make_raw(cashier.raw_key)), "/merchant"), 401)

    assert body["code"] == "api_key_invalid"


def test_a_revoked_key_gets_401_api_key_revoked(cashier):
    services.api_key_revoke(api_key=cashier.api_key)

    assert error_of(get(cashier.client(), "/merchant"), 401)["code"] == "api_key_revoked"


def test_a_key_whose_staff_login_is_deactivated_gets_401_staff_deactivated(cashier):
    StaffUser.objects.filter(pk=cashier.membership.user_id).update(is_active=False)

    assert error_of(get(cashier.client(), "/merchant"), 401)["code"] == "staff_deactivated"


def test_a_key_whose_membership_is_inactive_gets_401_staff_deactivated(cashier):
    cashier.membership.is_active = False
    cashier.membership.save(update_fields=["is_active"])

    assert error_of(get(cashier.client(), "/merchant"), 401)["code"] == "staff_deactivated"


def test_revocation_takes_effect_on_the_next_request(cashier):
    client = cashier.client()
    assert get(client, "/merchant").status_code == 200

    services.api_key_revoke(api_key=cashier.api_key)

    assert error_of(get(client, "/merchant"), 401)["code"] == "api_key_revoked"


def test_a_refused_key_writes_nothing(cashier, card):
    services.api_key_revoke(api_key=cashier.api_key)

    response = post(cashier.client(), "/checkouts", checkout_body(card), **{"Idempotency-Key": "k-1"})

    assert error_of(response, 401)["code"] == "api_key_revoked"
    assert not Check.objects.exists() and not CardEvent.objects.exists()
    assert reload(card).stamps == 0


def test_other_keys_of_the_same_staff_member_keep_working_when_one_is_revoked(cashier):
    _other, other_raw = services.api_key_create(membership=cashier.membership, name="Till 2")
    services.api_key_revoke(api_key=cashier.api_key)

    assert get(_client_with(other_raw), "/merchant").status_code == 200


# -- last use ----------------------------------------------------------------------------------------------------------

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _use(staff, at: datetime) -> None:
    with frozen_at(at):
        assert get(staff.client(), "/merchant").status_code == 200


def test_a_new_key_has_no_last_use(cashier):
    assert cashier.api_key.last_used_at is None


def test_using_a_key_records_when_it_was_last_used(cashier):
    _use(cashier, T0)

    assert reload(cashier.api_key).last_used_at == T0


def test_the_last_use_is_not_rewritten_within_the_resolution_window(cashier, settings):
    window = settings.STAMPCARD["API_KEY_LAST_USED_RESOLUTION_SECONDS"]
    _use(cashier, T0)

    with CaptureQueriesContext(connection) as queries:
        _use(cashier, T0 + timedelta(seconds=window - 1))

    assert reload(cashier.api_key).last_used_at == T0
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]


def test_the_last_use_moves_once_the_resolution_window_has_passed(cashier, settings):
    window = settings.STAMPCARD["API_KEY_LAST_USED_RESOLUTION_SECONDS"]
    _use(cashier, T0)

    _use(cashier, T0 + timedelta(seconds=window))
    assert reload(cashier.api_key).last_used_at == T0 + timedelta(seconds=window)

    _use(cashier, T0 + timedelta(seconds=3 * window))
    assert reload(cashier.api_key).last_used_at == T0 + timedelta(seconds=3 * window)


def test_a_refused_key_does_not_record_a_use(cashier):
    services.api_key_revoke(api_key=cashier.api_key)
    with frozen_at(T0):
        get(cashier.client(), "/merchant")

    assert reload(cashier.api_key).last_used_at is None


def test_the_last_use_is_recorded_per_key(merchant):
    first, second = make_staff(merchant, Role.CASHIER), make_staff(merchant, Role.CASHIER)

    _use(first, T0)

    assert reload(first.api_key).last_used_at == T0
    assert reload(second.api_key).last_used_at is None


def test_a_key_of_a_membership_at_another_merchant_acts_for_that_merchant_only(cashier):
    # One person, staff at two merchants: each key acts for its own membership's merchant.
    elsewhere = MembershipFactory(merchant=MerchantFactory(), user=cashier.membership.user, role=Role.OWNER)
    _key, raw = services.api_key_create(membership=elsewhere, name="Other shop")

    actor = services.api_key_authenticate(raw_key=raw)

    assert actor.merchant == elsewhere.merchant and actor.role == Role.OWNER
    assert services.api_key_authenticate(raw_key=cashier.raw_key).merchant == cashier.merchant
