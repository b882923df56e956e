"""What a voucher gives, set in the panel wherever vouchers are made or described: a voucher for a customer, a batch,
a lottery prize, a milestone. Amounts are typed in major units and kept in minor units; a missing or out-of-bounds
value says what to fix and makes nothing."""

import pytest

from stampcard.cards.models import Program
from stampcard.core.benefit import Benefit
from stampcard.lottery.models import Lottery
from stampcard.vouchers import issuing
from stampcard.vouchers.models import Voucher, VoucherBatch
from tests.factories import CardFactory
from tests.panel.rewards.helpers import lottery_post, prize
from tests.panel.rewards.makers import manager_actor

NEW_VOUCHER = "/panel/rewards/vouchers/new/"
NEW_BATCH = "/panel/rewards/batches/new/"
NEW_LOTTERY = "/panel/rewards/lotteries/new/"


def terms(**extra):
    return {"title": "10% off", "description": "", "validity": "days", "days": "30", **extra}


def test_a_percent_voucher_for_a_customer(manager_client, shop):
    card = CardFactory(program=shop.program)

    response = manager_client.post(
        NEW_VOUCHER, terms(card=card.number, benefit_kind="percent", benefit_percent="10", benefit_amount="")
    )

    assert response.status_code == 302
    voucher = Voucher.objects.get(card=card)
    assert (voucher.benefit_kind, voucher.benefit_value) == ("percent", 10)


def test_a_batch_of_amount_vouchers_keeps_the_amount_in_minor_units(manager_client, shop):
    response = manager_client.post(
        NEW_BATCH,
        terms(name="Flyers", purpose="flyers", count="2", title="50 off", benefit_kind="amount", benefit_amount="50.5"),
    )

    assert response.status_code == 302
    batch = VoucherBatch.objects.get(merchant=shop.merchant)
    assert {(v.benefit_kind, v.benefit_value) for v in batch.vouchers.all()} == {("amount", 5050)}


def test_the_forms_show_the_benefit_fields_with_the_currency(manager_client, shop):
    html = manager_client.get(NEW_BATCH).content.decode()
    assert "What the voucher gives" in html and "Percent off" in html
    assert f"Amount off ({shop.merchant.currency})" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"benefit_kind": "percent", "benefit_percent": ""}, "Say how many percent the voucher takes off"),
        ({"benefit_kind": "percent", "benefit_percent": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"benefit_kind": "percent", "benefit_percent": "150"}, "Ensure this value is less than or equal to 100."),
        ({"benefit_kind": "amount", "benefit_amount": ""}, "Say how much the voucher takes off the check"),
        ({"benefit_kind": "amount", "benefit_amount": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ({"benefit_kind": "amount", "benefit_amount": "1.005"}, "Ensure that there are no more than 2 decimal places."),
        ({"benefit_kind": "half_price"}, "Select a valid choice."),
    ],
)
def test_a_benefit_with_a_mistake_says_what_to_fix_and_issues_nothing(manager_client, shop, changes, message):
    card = CardFactory(program=shop.program)

    response = manager_client.post(NEW_VOUCHER, terms(card=card.number, **changes))

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Voucher.objects.exists()


def test_a_lottery_prize_voucher_takes_its_benefit_and_the_editor_shows_it_again(manager_client, shop):
    data = lottery_post(
        "Wheel",
        [
            prize("voucher", "50", name="20% off", benefit_kind="percent", benefit_percent="20"),
            prize("award", "50", benefit_kind="percent", benefit_percent=""),  # not a voucher: ignored
        ],
    )

    assert manager_client.post(NEW_LOTTERY, data).status_code == 302

    lottery = Lottery.objects.get(merchant=shop.merchant)
    voucher_prize, award = lottery.variants.order_by("position")
    assert voucher_prize.voucher["benefit"] == {"kind": "percent", "value": 20}
    assert award.voucher is None
    editor = manager_client.get(f"/panel/rewards/lotteries/{lottery.pk}/edit/")
    assert editor.context["formset"].forms[0].initial["benefit_percent"] == 20


def test_a_milestone_voucher_takes_its_benefit_and_saving_it_unchanged_makes_no_new_version(manager_client, shop):
    goals = f"/panel/programs/{shop.program.pk}/goals/"
    row = {"at": "6", "kind": "voucher", "title": "50 off", "description": "", "validity_days": "30"}
    milestones = {
        "milestones-TOTAL_FORMS": "1",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "1",
        "milestones-MAX_NUM_FORMS": "10",
        **{f"milestones-0-{k}": v for k, v in {**row, "benefit_kind": "amount", "benefit_amount": "50"}.items()},
    }

    assert manager_client.post(goals, milestones).status_code == 302
    program = Program.objects.get(pk=shop.program.pk)
    assert program.milestones[0]["voucher"] == {"validity": {"days": 30}, "benefit": {"kind": "amount", "value": 5000}}
    version = program.version
    shown = manager_client.get(goals).context["formset"].forms[0].initial
    assert (shown["benefit_kind"], shown["benefit_amount"]) == ("amount", 50)

    manager_client.post(goals, milestones)
    assert Program.objects.get(pk=shop.program.pk).version == version


@pytest.mark.parametrize(
    ("benefit", "says"),
    [
        (Benefit(kind="percent", value=10), "Take 10% off the check."),
        (Benefit(kind="amount", value=5050), "Take 50.50 UAH off the check."),
        (Benefit(), "Give the customer what it promises."),
    ],
)
def test_the_counter_tells_the_cashier_what_a_redeemed_voucher_gives(cashier_client, shop, benefit, says):
    card = CardFactory(program=shop.program)
    voucher = issuing.voucher_issue_to_card(actor=manager_actor(shop), card=card, title="Deal", benefit=benefit)

    page = cashier_client.post("/panel/counter/redeem/", {"code": voucher.code}, follow=True)

    assert says in " ".join(str(m) for m in page.context["messages"])
