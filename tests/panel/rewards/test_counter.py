"""The counter page: redeem a voucher code, find a card, hand over a reward, add a stamp for a check."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from stampcard.cards.models import Card, CardEvent, Check, EventKind
from stampcard.core import clock
from stampcard.core.clock import frozen_at
from stampcard.lottery.models import LotteryDraw
from stampcard.merchants.models import Role
from stampcard.panel import setup
from stampcard.panel.models import SetupStep
from stampcard.rewards.models import Reward
from stampcard.vouchers import issuing
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.services import Validity
from tests.conftest import reload
from tests.factories import CardFactory, CustomerFactory, LocationFactory, ProgramFactory
from tests.lottery.helpers import lottery_reward, make_lottery, variant
from tests.panel.conftest import signed_in
from tests.panel.rewards.makers import manager_actor

COUNTER = "/panel/counter/"


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def scan_id_of(page) -> str:
    return re.search(r'name="scan_id" value="([0-9a-f-]{36})"', page.content.decode()).group(1)


def stamp(client, card, scan_id, amount="125.50", **extra):
    data = {"card": card.number, "scan_id": scan_id, "amount": amount, **extra}
    return client.post("/panel/counter/stamp/", data, follow=True)


def test_a_cashier_finds_a_card_by_its_number_and_sees_its_progress(cashier_client, shop):
    card = CardFactory(program=shop.program, stamps=3)
    page = cashier_client.get(COUNTER, {"q": card.number})
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 of 8 stamps" in html
    assert card.customer.name in html
    assert 'data-testid="stamp-form"' in html


def test_a_name_matching_several_cards_lists_them_and_an_unknown_number_says_so(cashier_client, shop):
    html = cashier_client.get(COUNTER, {"q": "000000"}).content.decode()
    assert "No card matches “000000”." in html
    assert "Type at least 2 characters" in cashier_client.get(COUNTER, {"q": "x"}).content.decode()


def test_two_same_named_customers_are_told_apart_by_program_masked_contact_and_last_visit(cashier_client, shop):
    bakery = ProgramFactory(merchant=shop.merchant, name="Bakery card", is_default=False)
    by_email = CardFactory(
        program=shop.program,
        customer=CustomerFactory(merchant=shop.merchant, name="Olena Kovalenko", email="olena.k@example.com"),
    )
    CardFactory(
        program=bakery, customer=CustomerFactory(merchant=shop.merchant, name="Olena Kovalenko", phone="+380501234567")
    )
    # 22:30 UTC is already the next day in Kyiv (UTC+2, the merchant's time zone).
    Card.objects.filter(pk=by_email.pk).update(last_stamp_at=datetime(2026, 3, 9, 22, 30, tzinfo=UTC))

    html = cashier_client.get(COUNTER, {"q": "olena kovalenko"}).content.decode()

    assert 'data-testid="find-matches"' in html
    assert shop.program.name in html and "Bakery card" in html
    assert "ol•••@example.com" in html and "+380•••4567" in html
    assert "olena.k@example.com" not in html and "+380501234567" not in html
    assert "03/10/2026 00:30" in html and "No visit yet" in html


def test_another_merchants_card_number_is_not_found(cashier_client, other_shop):
    html = cashier_client.get(COUNTER, {"q": other_shop.card.number}).content.decode()
    assert "No card matches" in html
    assert other_shop.card.customer.name not in html


def test_adding_a_stamp_for_a_check_and_a_double_submit_stamps_once(cashier_client, shop):
    card = CardFactory(program=shop.program, stamps=2)
    scan_id = scan_id_of(cashier_client.get(COUNTER, {"q": card.number}))

    first = stamp(cashier_client, card, scan_id)
    second = stamp(cashier_client, card, scan_id)

    assert "1 stamp added: 3 of 8 now." in messages_of(first)
    assert "already stamped: nothing was added twice" in messages_of(second)
    assert reload(card).stamps == 3
    check = Check.objects.get(card=card)
    assert (check.pos, check.total, check.external_id) == ("panel", 12550, f"panel-{scan_id}")
    assert CardEvent.objects.filter(card=card, kind=EventKind.STAMP).count() == 1


def test_each_page_load_makes_a_new_scan_id_so_the_next_check_stamps_again(cashier_client, shop):
    card = CardFactory(program=shop.program)
    stamp(cashier_client, card, scan_id_of(cashier_client.get(COUNTER, {"q": card.number})))
    stamp(cashier_client, card, scan_id_of(cashier_client.get(COUNTER, {"q": card.number})))
    assert reload(card).stamps == 2


def test_the_first_stamp_from_the_counter_ticks_the_guided_start(owner_client, shop):
    card = CardFactory(program=shop.program)
    stamp(owner_client, card, scan_id_of(owner_client.get(COUNTER, {"q": card.number})))
    done = {item.step: item.done for item in setup.setup_checklist(merchant=shop.merchant)}
    assert done[SetupStep.FIRST_STAMP] is True
    assert (
        next(i for i in setup.setup_checklist(merchant=shop.merchant) if i.step == SetupStep.FIRST_STAMP).url == COUNTER
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [("", "This field is required."), ("-1", "greater than or equal to 0"), ("abc", "Enter a number.")],
)
def test_a_bad_amount_stamps_nothing_and_says_why(cashier_client, shop, amount, message):
    card = CardFactory(program=shop.program)
    response = stamp(cashier_client, card, scan_id_of(cashier_client.get(COUNTER, {"q": card.number})), amount=amount)
    assert message in messages_of(response)
    assert reload(card).stamps == 0


def test_a_stamp_that_reaches_the_goal_shows_the_reward_and_the_cashier_hands_it_over(cashier_client, shop):
    card = CardFactory(program=shop.program, stamps=7)
    response = stamp(cashier_client, card, scan_id_of(cashier_client.get(COUNTER, {"q": card.number})))
    assert "Reward reached: “Free coffee”." in messages_of(response)
    reward = Reward.objects.get(card=card)
    assert 'data-testid="rewards-ready"' in response.content.decode()

    handed = cashier_client.post("/panel/counter/hand-over/", {"card": card.number, "reward": reward.pk}, follow=True)
    assert "Handed over: “Free coffee”." in messages_of(handed)
    assert reload(reward).state == "handed_over"
    again = cashier_client.post("/panel/counter/hand-over/", {"card": card.number, "reward": reward.pk}, follow=True)
    assert "already" in messages_of(again).lower()
    assert CardEvent.objects.filter(card=card, kind=EventKind.REWARD_HANDED_OVER).count() == 1


def test_a_ready_lottery_reward_is_spun_from_the_counter(cashier_client, shop):
    lottery = make_lottery(manager_actor(shop), [variant("award", 1_000_000, name="Cookie")], draw_at="customer")
    reward = lottery_reward(shop.card, lottery)
    response = cashier_client.post(
        "/panel/counter/hand-over/", {"card": shop.card.number, "reward": reward.pk}, follow=True
    )
    assert "The wheel spun: “Cookie”. The prize is on the card now." in messages_of(response)
    assert LotteryDraw.objects.filter(reward=reward).count() == 1


def test_another_merchants_reward_cannot_be_handed_over(cashier_client, shop, other_shop):
    card = CardFactory(program=other_shop.program, stamps=7)
    reward = Reward.objects.create(merchant=other_shop.merchant, card=card, kind="award", title="Gift", stamps_spent=8)
    cashier_client.post("/panel/counter/hand-over/", {"card": card.number, "reward": reward.pk})
    assert reload(reward).state == "ready"


def voucher_for(shop, **kwargs):
    return issuing.voucher_issue_to_card(actor=manager_actor(shop), card=shop.card, title="Free cake", **kwargs)


def test_a_voucher_code_is_redeemed_once_and_the_double_tap_is_told_plainly(cashier_client, shop):
    voucher = voucher_for(shop)
    typed = format_code(voucher.code).lower()

    first = cashier_client.post("/panel/counter/redeem/", {"code": typed}, follow=True)
    second = cashier_client.post("/panel/counter/redeem/", {"code": typed}, follow=True)

    assert "Redeemed: “Free cake”" in messages_of(first)
    assert "was redeemed by you just now" in messages_of(second)
    voucher = reload(voucher)
    assert voucher.state == "redeemed"
    assert voucher.redeemed_by == shop.staff[Role.CASHIER].membership.user
    assert voucher.redeemed_location == shop.location
    assert CardEvent.objects.filter(kind=EventKind.VOUCHER_REDEEMED).count() == 1


def test_a_voucher_redeemed_long_ago_is_refused_with_its_date(cashier_client, shop):
    voucher = voucher_for(shop)
    signed_in(shop, Role.MANAGER).post("/panel/counter/redeem/", {"code": voucher.code})
    response = cashier_client.post("/panel/counter/redeem/", {"code": voucher.code}, follow=True)
    assert "was already redeemed on" in messages_of(response)


def test_an_expired_voucher_is_refused(cashier_client, shop):
    voucher = voucher_for(shop, validity=Validity(days=1))
    with frozen_at(clock.now() + timedelta(days=2)):
        response = cashier_client.post("/panel/counter/redeem/", {"code": voucher.code}, follow=True)
    assert "This voucher has expired." in messages_of(response)
    assert reload(voucher).state != "redeemed"


def test_a_cancelled_voucher_is_refused(cashier_client, shop):
    voucher = voucher_for(shop)
    signed_in(shop, Role.MANAGER).post(f"/panel/rewards/vouchers/{voucher.pk}/cancel/", {"confirm": "1"})
    response = cashier_client.post("/panel/counter/redeem/", {"code": voucher.code}, follow=True)
    assert "This voucher was cancelled." in messages_of(response)


def test_another_merchants_voucher_is_unknown_here(cashier_client, other_shop):
    voucher = voucher_for(other_shop)
    response = cashier_client.post("/panel/counter/redeem/", {"code": voucher.code}, follow=True)
    assert "No voucher has this code." in messages_of(response)
    assert reload(voucher).state == "active"


def test_a_mistyped_code_says_so(cashier_client, shop):
    response = cashier_client.post("/panel/counter/redeem/", {"code": "12"}, follow=True)
    assert messages_of(response)
    assert reload(voucher_for(shop)).state == "active"


def test_guessing_codes_is_limited_per_staff_login(cashier_client, shop, settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "VOUCHER_LOOKUP_FAILURES_PER_KEY": 3}
    voucher = voucher_for(shop)
    for attempt in range(3):
        cashier_client.post("/panel/counter/redeem/", {"code": f"ZZZZ-ZZZZ-Z{attempt}"})
    refused = cashier_client.post("/panel/counter/redeem/", {"code": voucher.code}, follow=True)
    assert "Too many codes that do not exist were tried" in messages_of(refused)
    assert reload(voucher).state == "active"
    # another staff login is not held back by this one's guesses
    other = signed_in(shop, Role.MANAGER).post("/panel/counter/redeem/", {"code": voucher.code}, follow=True)
    assert "Redeemed" in messages_of(other)


def test_with_several_locations_the_location_is_chosen_and_remembered(shop):
    second = LocationFactory(merchant=shop.merchant, name="Riverside")
    client = signed_in(shop, Role.CASHIER)
    voucher = voucher_for(shop)
    page = client.get(COUNTER).content.decode()
    assert "Riverside" in page

    missing = client.post("/panel/counter/redeem/", {"code": voucher.code}, follow=True)
    assert "This field is required." in messages_of(missing)
    assert reload(voucher).state == "active"

    client.post("/panel/counter/redeem/", {"code": voucher.code, "location": str(second.pk)})
    assert reload(voucher).redeemed_location == second
    assert f'<option value="{second.pk}" selected>' in client.get(COUNTER).content.decode()


def test_a_cashier_limited_to_one_location_sees_only_it(shop):
    LocationFactory(merchant=shop.merchant, name="Riverside")
    membership = shop.staff[Role.CASHIER].membership
    membership.locations.set([shop.location])
    page = signed_in(shop, Role.CASHIER).get(COUNTER).content.decode()
    assert "Riverside" not in page


def test_cashiers_use_the_counter_and_anonymous_visitors_sign_in_first(shop, client):
    assert signed_in(shop, Role.CASHIER).get(COUNTER).status_code == 200
    assert client.get(COUNTER)["Location"].startswith("/login/")
    assert client.post("/panel/counter/stamp/", {})["Location"].startswith("/login/")
