"""The self-service anti-abuse rules, each at its boundaries, with a fixed clock (Europe/Kyiv, UTC+2 in winter)."""

from datetime import timedelta

import pytest

from stampcard.merchants.actors import Actor
from stampcard.scanner.models import RefusalCode, ScanRefusal
from stampcard.vouchers import services as vouchers_services
from tests.conftest import reload
from tests.factories import CardFactory, LocationFactory
from tests.scanner.conftest import DeviceClient, fixed_clock, kyiv, pair_device

pytestmark = pytest.mark.django_db

NOON = kyiv(2027, 1, 14, 12, 0)


def scan_at(client, card, moment, scan_id=None):
    with fixed_clock(moment):
        return client.scan(card, scan_id)


def set_rules(program, **rules):
    for name, value in rules.items():
        setattr(program, name, value)
    program.save()


def a_voucher(card, title="Free coffee"):
    (voucher,) = vouchers_services.voucher_issue(actor=Actor.system(card.merchant), title=title, card=card)
    return voucher


# --- visit window --------------------------------------------------------------------------------------------------


def test_the_visit_window_refuses_until_its_last_second_and_lets_the_next_stamp_through_at_its_end(kiosk, card):
    _device, client = kiosk
    assert scan_at(client, card, NOON).json()["stamped"] is True

    almost = scan_at(client, card, NOON + timedelta(minutes=179, seconds=59)).json()
    at_end = scan_at(client, card, NOON + timedelta(minutes=180)).json()

    assert almost["stamped"] is False
    assert almost["refusal"] == {
        "code": "visit_window",
        "message": "You already collected a stamp here today. The next one is possible from 15:00.",
        "retry_at": "2027-01-14T13:00:00Z",
    }
    assert at_end["stamped"] is True
    assert reload(card).stamps == 2


def test_the_visit_window_is_per_location(kiosk, staff, merchant, card):
    _device, client = kiosk
    other_spot = LocationFactory(merchant=merchant)
    _other, token = pair_device(staff, other_spot, "kiosk")
    scan_at(client, card, NOON)

    elsewhere = scan_at(DeviceClient(token), card, NOON + timedelta(minutes=1)).json()

    assert elsewhere["stamped"] is True


def test_stamps_from_staff_do_not_count_against_the_visit_window(kiosk, manual, card):
    with fixed_clock(NOON):
        manual[1].stamp(card)

    assert scan_at(kiosk[1], card, NOON + timedelta(minutes=1)).json()["stamped"] is True


def test_autopilot_scans_count_against_the_kiosks_visit_window(kiosk, autopilot, card):
    scan_at(autopilot[1], card, NOON)

    assert scan_at(kiosk[1], card, NOON + timedelta(minutes=1)).json()["refusal"]["code"] == "visit_window"


def test_a_window_reaching_past_midnight_names_the_day(kiosk, card, program):
    set_rules(program, selfservice_visit_window_minutes=180)
    late = kyiv(2027, 1, 14, 23, 15)
    scan_at(kiosk[1], card, late)

    tonight = scan_at(kiosk[1], card, late + timedelta(minutes=30)).json()["refusal"]
    after_midnight = scan_at(kiosk[1], card, late + timedelta(minutes=60)).json()["refusal"]

    assert tonight["message"] == (
        "You already collected a stamp here today. The next one is possible tomorrow from 02:15."
    )
    assert after_midnight["message"] == (
        "You already collected a stamp here recently. The next one is possible from 02:15."
    )


# --- daily cap ------------------------------------------------------------------------------------------------------


def test_the_daily_cap_counts_the_merchants_calendar_day(kiosk, card, program):
    set_rules(program, selfservice_visit_window_minutes=0, selfservice_daily_cap=3)
    _device, client = kiosk
    # 00:30 in Kyiv is still the previous day in UTC: it counts for the Kyiv day it happened in.
    for moment in (kyiv(2027, 1, 14, 0, 30), kyiv(2027, 1, 14, 12, 0), kyiv(2027, 1, 14, 23, 0)):
        assert scan_at(client, card, moment).json()["stamped"] is True

    last_second = scan_at(client, card, kyiv(2027, 1, 14, 23, 59, 59)).json()
    midnight = scan_at(client, card, kyiv(2027, 1, 15, 0, 0)).json()

    assert last_second["stamped"] is False
    assert last_second["refusal"] == {
        "code": "daily_cap",
        "message": "You have collected all of today's self-service stamps. The next one is possible tomorrow.",
        "retry_at": "2027-01-14T22:00:00Z",
    }
    assert midnight["stamped"] is True


def test_the_daily_cap_counts_only_self_service_stamps(kiosk, manual, card, program):
    set_rules(program, selfservice_visit_window_minutes=0, selfservice_daily_cap=1)
    with fixed_clock(NOON):
        manual[1].stamp(card)
        manual[1].stamp(card)

    assert scan_at(kiosk[1], card, NOON + timedelta(minutes=1)).json()["stamped"] is True
    assert scan_at(kiosk[1], card, NOON + timedelta(minutes=2)).json()["refusal"]["code"] == "daily_cap"


# --- device rate limit ----------------------------------------------------------------------------------------------


def test_a_device_scans_n_times_a_minute_and_the_next_scan_waits(kiosk, program, merchant):
    set_rules(program, selfservice_device_scans_per_minute=3)
    _device, client = kiosk
    cards = [CardFactory(program=program) for _ in range(5)]
    window = kyiv(2027, 1, 14, 12, 0, 0)

    for i in range(3):
        assert scan_at(client, cards[i], window + timedelta(seconds=10 * i)).json()["stamped"] is True
    refused = scan_at(client, cards[3], window + timedelta(seconds=45))
    next_minute = scan_at(client, cards[3], window + timedelta(seconds=60))

    assert refused.status_code == 429
    assert refused.json()["code"] == "device_rate_limited"
    assert refused["Retry-After"] == "15" and refused.json()["details"]["retry_after"] == 15
    assert "card" not in refused.json()
    assert reload(cards[3]).stamps == 1  # stamped only by the scan of the next minute
    assert next_minute.json()["stamped"] is True


def test_card_lookups_of_a_self_service_device_count_as_scans(kiosk, program, card):
    set_rules(program, selfservice_device_scans_per_minute=2)
    _device, client = kiosk
    with fixed_clock(NOON):
        assert client.get(f"/cards/{card.qr_payload}").status_code == 200
        assert client.get(f"/cards/{card.qr_payload}").status_code == 200
        assert client.get(f"/cards/{card.qr_payload}").status_code == 429
        assert client.scan(card).status_code == 429


def test_the_rate_limit_is_per_device(kiosk, staff, location, program, card):
    set_rules(program, selfservice_device_scans_per_minute=1, selfservice_visit_window_minutes=0)
    _other, token = pair_device(staff, location, "kiosk")
    assert scan_at(kiosk[1], card, NOON).status_code == 200

    assert scan_at(DeviceClient(token), card, NOON).status_code == 200


# --- voucher cooldown -----------------------------------------------------------------------------------------------


def test_a_voucher_redemption_delays_the_cards_next_self_service_stamp(kiosk, manual, card):
    voucher = a_voucher(card)
    with fixed_clock(NOON):
        assert manual[1].post(f"/vouchers/{voucher.code}/redeem").status_code == 200

    almost = scan_at(kiosk[1], card, NOON + timedelta(minutes=29, seconds=59)).json()
    at_end = scan_at(kiosk[1], card, NOON + timedelta(minutes=30)).json()

    assert almost["refusal"] == {
        "code": "voucher_cooldown",
        "message": "A voucher was just redeemed on this card. The next stamp is possible from 12:30.",
        "retry_at": "2027-01-14T10:30:00Z",
    }
    assert at_end["stamped"] is True


def test_a_voucher_redemption_delays_the_cards_next_self_service_redemption(kiosk, card):
    _device, client = kiosk
    first, second = a_voucher(card), a_voucher(card, "Free cake")
    with fixed_clock(NOON):
        assert client.post(f"/vouchers/{first.code}/redeem", {"card": card.qr_payload}).status_code == 200

    with fixed_clock(NOON + timedelta(minutes=29, seconds=59)):
        almost = client.post(f"/vouchers/{second.code}/redeem", {"card": card.qr_payload})
    with fixed_clock(NOON + timedelta(minutes=30)):
        at_end = client.post(f"/vouchers/{second.code}/redeem", {"card": card.qr_payload})

    assert almost.status_code == 409
    assert almost.json()["code"] == "voucher_cooldown"
    assert (
        almost.json()["message"] == "A voucher was just redeemed on this card. The next one can be redeemed from 12:30."
    )
    assert almost.json()["details"]["retry_at"] == "2027-01-14T10:30:00+00:00"
    assert ScanRefusal.objects.get().code == RefusalCode.VOUCHER_COOLDOWN
    assert at_end.status_code == 200 and at_end.json()["state"] == "redeemed"


def test_when_several_rules_refuse_the_one_lifting_last_is_reported(kiosk, manual, card, program):
    set_rules(program, selfservice_visit_window_minutes=30, selfservice_voucher_cooldown_minutes=30)
    scan_at(kiosk[1], card, NOON)  # the window lifts at 12:30
    voucher = a_voucher(card)
    with fixed_clock(NOON + timedelta(minutes=10)):
        manual[1].post(f"/vouchers/{voucher.code}/redeem")  # the cooldown lifts at 12:40

    refusal = scan_at(kiosk[1], card, NOON + timedelta(minutes=20)).json()["refusal"]

    assert (refusal["code"], refusal["retry_at"]) == ("voucher_cooldown", "2027-01-14T10:40:00Z")


# --- every rule can be turned off -----------------------------------------------------------------------------------


def test_a_visit_window_of_zero_lets_every_scan_stamp(kiosk, card, program):
    set_rules(program, selfservice_visit_window_minutes=0, selfservice_daily_cap=0)

    assert all(scan_at(kiosk[1], card, NOON + timedelta(seconds=i)).json()["stamped"] for i in range(4))


def test_a_daily_cap_of_zero_means_no_cap(kiosk, card, program):
    set_rules(program, selfservice_visit_window_minutes=0, selfservice_daily_cap=0, alert_stamps_per_day=0)

    assert all(scan_at(kiosk[1], card, NOON + timedelta(minutes=i)).json()["stamped"] for i in range(6))
    assert reload(card).stamps == 6


def test_a_device_limit_of_zero_means_no_limit(kiosk, card, program):
    set_rules(program, selfservice_device_scans_per_minute=0)
    with fixed_clock(NOON):
        assert all(kiosk[1].get(f"/cards/{card.qr_payload}").status_code == 200 for _ in range(25))


def test_a_voucher_cooldown_of_zero_turns_it_off(kiosk, manual, card, program):
    set_rules(program, selfservice_voucher_cooldown_minutes=0)
    voucher = a_voucher(card)
    with fixed_clock(NOON):
        manual[1].post(f"/vouchers/{voucher.code}/redeem")

    assert scan_at(kiosk[1], card, NOON + timedelta(seconds=1)).json()["stamped"] is True


# --- plain words, in the guest's language ---------------------------------------------------------------------------


def test_refusals_speak_ukrainian_to_a_ukrainian_phone(kiosk, manual, card, program):
    ukrainian = DeviceClient(kiosk[1].token, language="uk")
    scan_at(ukrainian, card, NOON)

    window = scan_at(ukrainian, card, NOON + timedelta(minutes=1)).json()["refusal"]["message"]
    set_rules(program, selfservice_visit_window_minutes=0, selfservice_daily_cap=1)
    cap = scan_at(ukrainian, card, NOON + timedelta(minutes=2)).json()["refusal"]["message"]
    set_rules(program, selfservice_daily_cap=0)
    voucher = a_voucher(card)
    with fixed_clock(NOON + timedelta(minutes=3)):
        manual[1].post(f"/vouchers/{voucher.code}/redeem")
    cooldown = scan_at(ukrainian, card, NOON + timedelta(minutes=4)).json()["refusal"]["message"]

    assert window == "Сьогодні ви вже отримали тут штамп. Наступний можна отримати з 15:00."
    assert cap == "Ви вже отримали всі штампи самообслуговування на сьогодні. Наступний можна буде отримати завтра."
    assert cooldown == "Щойно на цій картці погасили ваучер. Наступний штамп можна отримати з 12:33."


# --- refusals are recorded -------------------------------------------------------------------------------------------


def test_a_refused_scan_is_recorded_once_however_often_it_is_retried(kiosk, card):
    device, client = kiosk
    scan_at(client, card, NOON)

    for _ in range(3):
        scan_at(client, card, NOON + timedelta(minutes=5), scan_id="6f1c2a9e-0b1d-4c8e-9f3a-2d7b5e4c1a00")

    refusal = ScanRefusal.objects.get()
    assert (refusal.device, refusal.card, refusal.code, refusal.at) == (
        device,
        card,
        RefusalCode.VISIT_WINDOW,
        NOON + timedelta(minutes=5),
    )
    assert refusal.retry_at == NOON + timedelta(minutes=180)
