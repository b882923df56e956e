"""A verified API key is remembered for a second per process (stampcard.merchants.keycache): revocation and
deactivation made in another process apply within that second, those made here at once."""

import pytest

from stampcard.core import clock
from stampcard.merchants import keycache
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import ApiKey, Membership
from tests.api.helpers import get

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(monkeypatch):
    """Move this process's monotonic clock on by ``seconds``."""
    shift = [0.0]
    real = keycache.time.monotonic
    monkeypatch.setattr(keycache.time, "monotonic", lambda: real() + shift[0])

    def move(seconds: float) -> None:
        shift[0] += seconds

    return move


def test_a_key_revoked_by_another_process_is_refused_within_a_second(cashier, later):
    client = cashier.client()
    assert get(client, "/merchant").status_code == 200

    ApiKey.objects.filter(pk=cashier.api_key.pk).update(revoked_at=clock.now())  # as another web process does

    assert get(client, "/merchant").status_code == 200  # still remembered here
    later(1.01)
    assert get(client, "/merchant").json()["code"] == "api_key_revoked"


def test_a_key_revoked_in_this_process_is_refused_at_once(cashier):
    client = cashier.client()
    assert get(client, "/merchant").status_code == 200

    merchants_services.api_key_revoke(api_key=cashier.api_key)

    assert get(client, "/merchant").status_code == 401


def test_staff_deactivated_elsewhere_stop_within_a_second(cashier, later):
    client = cashier.client()
    assert get(client, "/merchant").status_code == 200

    Membership.objects.filter(pk=cashier.membership.pk).update(is_active=False)
    later(1.01)

    assert get(client, "/merchant").status_code in (401, 403)


def test_a_wrong_secret_is_never_answered_from_memory(cashier):
    assert get(cashier.client(), "/merchant").status_code == 200
    forged = cashier.raw_key[:-1] + ("a" if cashier.raw_key[-1] != "a" else "b")

    from django.test import Client

    response = get(Client(headers={"Authorization": f"Bearer {forged}"}), "/merchant")

    assert response.status_code == 401


def test_each_request_gets_its_own_copy_of_the_key_and_its_merchant(cashier):
    first = merchants_services.api_key_authenticate(raw_key=cashier.raw_key)
    first.merchant.name = "Changed by one request"

    second = merchants_services.api_key_authenticate(raw_key=cashier.raw_key)

    assert second.merchant.name == cashier.merchant.name
    assert second.merchant is not first.merchant and second.api_key is not first.api_key


def test_no_memory_when_the_setting_is_zero(cashier, settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "API_KEY_CACHE_SECONDS": 0}
    client = cashier.client()
    assert get(client, "/merchant").status_code == 200

    ApiKey.objects.filter(pk=cashier.api_key.pk).update(revoked_at=clock.now())

    assert get(client, "/merchant").status_code == 401
