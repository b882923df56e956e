"""Walking the six-digit numbers is stopped: card and receipt lookups that find nothing are limited per API key, per
scanner device and per address, answered 429 with Retry-After, and the merchant is told (a row and one email an
hour)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from stampcard.api.models import LimitAlert
from stampcard.cards.models import Card
from stampcard.core.clock import frozen_at
from stampcard.merchants.models import Role
from tests.api.helpers import checkout_body, error_of, get, post
from tests.conftest import make_staff
from tests.factories import CardFactory
from tests.scanner.conftest import DeviceClient, pair_device, staff_member

pytestmark = pytest.mark.django_db

LIMIT = 4
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the start of a 10-minute window


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.STAMPCARD = {
        **settings.STAMPCARD,
        "LOOKUP_WINDOW_SECONDS": 600,
        "LOOKUP_MISSES_PER_KEY": LIMIT,
        "LOOKUP_MISSES_PER_DEVICE": LIMIT,
        "LOOKUP_MISSES_PER_IP": 3 * LIMIT,
    }


@pytest.fixture
def now():
    with frozen_at(T0):
        yield T0


def unknown_numbers(program, n):
    """``n`` six-digit numbers no card of the merchant has."""
    taken = set(Card.objects.filter(merchant=program.merchant).values_list("number", flat=True))
    return [number for number in (f"{900000 + i:06d}" for i in range(n + len(taken))) if number not in taken][:n]


def test_a_key_walking_the_numbers_is_stopped_with_429_retry_after_and_the_error_shape(now, cashier, program):
    client = cashier.client()
    for number in unknown_numbers(program, LIMIT):
        assert error_of(get(client, f"/cards/{number}"), 404)["code"] == "card_not_found"

    refused = get(client, "/cards/900777")

    error = error_of(refused, 429)
    assert error["code"] == "lookup_rate_limited"
    assert error["details"] == {"retry_after": 600, "scope": "api_key", "limit": LIMIT}
    assert refused["Retry-After"] == "600"


def test_lookup_searches_that_find_nothing_count_and_a_real_card_is_refused_too_once_limited(now, cashier, program):
    card = CardFactory(program=program)
    client = cashier.client()
    for number in unknown_numbers(program, LIMIT):
        assert get(client, "/cards/lookup", q=number).json() == {"results": []}

    assert error_of(get(client, "/cards/lookup", q=card.number), 429)["code"] == "lookup_rate_limited"
    assert error_of(get(client, f"/cards/{card.number}"), 429)["code"] == "lookup_rate_limited"


def test_found_cards_cost_nothing_so_a_busy_till_is_never_stopped(now, cashier, program):
    cards = [CardFactory(program=program) for _ in range(3)]
    client = cashier.client()
    for _ in range(3 * LIMIT):
        for card in cards:
            assert get(client, f"/cards/{card.number}").status_code == 200
            assert get(client, "/cards/lookup", q=card.number).json()["results"]
    assert post(client, "/checkouts/preview", checkout_body(cards[0])).status_code == 200

    assert get(client, "/cards/900123").status_code == 404  # every miss of the window is still there


def test_previews_of_unknown_cards_and_unknown_receipt_codes_count_as_misses(now, cashier, program):
    client = cashier.client()
    assert post(client, "/checkouts/preview", checkout_body("900001")).status_code == 404
    assert post(client, "/checkouts/preview", checkout_body("900002")).status_code == 404
    assert get(client, "/receipts/ABCD-EFGH").status_code == 404
    assert get(client, "/receipts/ABCD-EFGJ").status_code == 404

    assert error_of(get(client, "/cards/900003"), 429)["code"] == "lookup_rate_limited"


def test_a_preview_refused_for_its_check_is_no_guess(now, cashier, program):
    card = CardFactory(program=program)
    client = cashier.client()
    for _ in range(LIMIT + 2):
        assert post(client, "/checkouts/preview", checkout_body(card, currency="EUR")).status_code == 422

    assert get(client, f"/cards/{card.number}").status_code == 200


def test_the_limit_is_per_key_and_the_window_passes(now, cashier, merchant, program):
    for number in unknown_numbers(program, LIMIT):
        get(cashier.client(), f"/cards/{number}")
    other_till = make_staff(merchant, Role.CASHIER)

    assert get(cashier.client(), "/cards/900500").status_code == 429
    assert get(other_till.client(), "/cards/900500").status_code == 404
    with frozen_at(T0 + timedelta(seconds=600)):
        assert get(cashier.client(), "/cards/900500").status_code == 404


def test_many_keys_behind_one_address_are_limited_per_address(now, merchant, program):
    tills = [make_staff(merchant, Role.CASHIER) for _ in range(4)]
    numbers = iter(unknown_numbers(program, 3 * LIMIT + 1))
    for till in tills[:3]:
        for _ in range(LIMIT):
            assert get(till.client(), f"/cards/{next(numbers)}").status_code == 404

    refused = get(tills[3].client(), f"/cards/{next(numbers)}")

    assert error_of(refused, 429)["details"]["scope"] == "ip"
    elsewhere = tills[3].client()
    elsewhere.defaults["REMOTE_ADDR"] = "198.51.100.7"
    assert get(elsewhere, "/cards/900999").status_code == 404


def test_a_scanner_device_walking_the_numbers_is_stopped_per_device(now, merchant, location, program):
    staff = staff_member(merchant)
    device, token = pair_device(staff, location, mode="manual", name="Counter phone")
    client = DeviceClient(token)
    for number in unknown_numbers(program, LIMIT):
        assert client.get(f"/cards/{number}").status_code == 404

    refused = client.get("/cards/900888")

    error = error_of(refused, 429)
    assert error["code"] == "lookup_rate_limited" and error["details"]["scope"] == "device"
    assert refused["Retry-After"] == "600"
    alert = LimitAlert.objects.get()
    assert (alert.subject, alert.device_id, alert.device_name) == ("device", device.pk, "Counter phone")


def test_the_merchant_gets_an_alert_row_and_one_email_an_hour_per_key(
    now, merchant, cashier, program, django_capture_on_commit_callbacks
):
    owner = make_staff(merchant, Role.OWNER)
    make_staff(merchant, Role.MANAGER)  # managers are not emailed; the panel shows them the alert
    client = cashier.client()
    for number in unknown_numbers(program, LIMIT):
        get(client, f"/cards/{number}")

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert get(client, "/cards/900600").status_code == 429
    with frozen_at(T0 + timedelta(minutes=50)), django_capture_on_commit_callbacks(execute=True):
        for number in unknown_numbers(program, LIMIT + 1):
            get(client, f"/cards/{number}")

    alert = LimitAlert.objects.get()
    assert (alert.merchant, alert.kind, alert.subject, alert.api_key) == (
        merchant,
        "lookup",
        "api_key",
        cashier.api_key,
    )
    assert (alert.limit, alert.window_seconds, alert.refusals) == (LIMIT, 600, 4)
    assert alert.emailed_at == T0
    [message] = mail.outbox
    assert message.to == [owner.membership.user.email]
    assert cashier.api_key.prefix in message.body and str(LIMIT) in message.body

    with frozen_at(T0 + timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        for number in unknown_numbers(program, LIMIT + 1):
            get(client, f"/cards/{number}")
    assert LimitAlert.objects.count() == 2 and len(mail.outbox) == 2  # the next hour: a new alert, a new email


def test_a_voucher_guessing_key_raises_the_alert_too(now, merchant, cashier, settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "VOUCHER_LOOKUP_FAILURES_PER_KEY": 2}
    make_staff(merchant, Role.OWNER)
    client = cashier.client()
    for code in ("AAAAAAAAAA", "BBBBBBBBBB"):
        assert post(client, f"/vouchers/{code}/redeem").status_code in (404, 422)

    assert error_of(post(client, "/vouchers/CCCCCCCCCC/redeem"), 429)["code"] == "voucher_rate_limited"
    assert LimitAlert.objects.get().kind == "voucher-lookup"
