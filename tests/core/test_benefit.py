"""What a voucher takes off a check (``Benefit.discount_on``): percentages rounded to the minor unit, halves up;
fixed amounts as they are; neither ever more than the check. And which benefits exist at all."""

import pytest

from stampcard.core.benefit import MAX_AMOUNT, Benefit, BenefitKind
from stampcard.core.errors import ValidationFailed


@pytest.mark.parametrize(
    ("percent", "total", "discount"),
    [
        (10, 10000, 1000),  # 10% of 100.00
        (10, 12555, 1256),  # 1255.5 kopiykas: the half goes up
        (10, 12554, 1255),  # 1255.4: down
        (15, 12050, 1808),  # 1807.5
        (33, 100, 33),
        (1, 49, 0),  # 0.49 minor units: nothing to take off
        (1, 50, 1),  # 0.5: the half goes up
        (100, 12345, 12345),  # the whole check, never more
        (50, 1, 1),  # half of one kopiyka rounds up to it, still within the total
        (10, 0, 0),
    ],
)
def test_a_percentage_off_is_rounded_to_the_minor_unit_halves_up(percent, total, discount):
    assert Benefit(kind=BenefitKind.PERCENT, value=percent).discount_on(total) == discount


@pytest.mark.parametrize(("amount", "total", "discount"), [(5000, 12000, 5000), (5000, 5000, 5000), (5000, 3000, 3000)])
def test_a_fixed_amount_off_is_capped_at_the_check(amount, total, discount):
    assert Benefit(kind=BenefitKind.AMOUNT, value=amount).discount_on(total) == discount


def test_a_gift_takes_nothing_off_and_a_negative_total_counts_as_nothing():
    assert Benefit().discount_on(10000) == 0
    assert Benefit(kind=BenefitKind.PERCENT, value=10).discount_on(-500) == 0
    assert Benefit(kind=BenefitKind.AMOUNT, value=100).discount_on(-500) == 0


def test_the_largest_check_and_amount_stay_exact_integers():
    assert Benefit(kind=BenefitKind.PERCENT, value=99).discount_on(MAX_AMOUNT) == MAX_AMOUNT * 99 // 100
    assert Benefit(kind=BenefitKind.AMOUNT, value=MAX_AMOUNT).discount_on(MAX_AMOUNT) == MAX_AMOUNT


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, Benefit()),
        ({}, Benefit()),
        ({"kind": "gift"}, Benefit()),
        ({"kind": "gift", "value": 0}, Benefit()),
        ({"kind": "percent", "value": 10}, Benefit(kind="percent", value=10)),
        ({"kind": "amount", "value": 5000}, Benefit(kind="amount", value=5000)),
    ],
)
def test_a_spec_reads_back_as_its_benefit(spec, expected):
    benefit = Benefit.from_spec(spec)
    assert benefit == expected
    assert Benefit.from_spec(benefit.as_spec()) == benefit


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "percent", "value": 0}, "benefit.value"),
        ({"kind": "percent", "value": 101}, "benefit.value"),
        ({"kind": "percent"}, "benefit.value"),
        ({"kind": "percent", "value": 10.5}, "benefit.value"),
        ({"kind": "percent", "value": True}, "benefit.value"),
        ({"kind": "percent", "value": "10"}, "benefit.value"),
        ({"kind": "amount", "value": 0}, "benefit.value"),
        ({"kind": "amount", "value": MAX_AMOUNT + 1}, "benefit.value"),
        ({"kind": "gift", "value": 5}, "benefit.value"),
        ({"kind": "free_lunch", "value": 1}, "benefit.kind"),
        ({"kind": "percent", "value": 10, "cap": 5}, "benefit"),
        ("10%", "benefit"),
    ],
)
def test_a_benefit_out_of_bounds_is_refused_naming_its_field(spec, field):
    with pytest.raises(ValidationFailed) as refused:
        Benefit.from_spec(spec)
    assert refused.value.code == "invalid_benefit"
    assert refused.value.details["fields"][0]["field"] == field
