"""`manage.py lottery_verify`: OK for honest draws, MISMATCH and a non-zero exit for a tampered one."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from stampcard.core.clock import frozen_at
from stampcard.lottery import proofs
from stampcard.lottery.models import LotteryDraw, LotterySeed
from tests.lottery.helpers import make_lottery, spin, variant

pytestmark = pytest.mark.django_db

DAY = datetime(2027, 5, 20, 12, tzinfo=UTC)


@pytest.fixture
def draws(manager, card):
    with frozen_at(DAY):
        lottery = make_lottery(manager.actor(), [variant("award", 200_000), variant("nothing", 800_000)])
        return [spin(manager.actor(), card, lottery)[0] for _ in range(4)]


def verify(*args: str) -> str:
    out = StringIO()
    call_command("lottery_verify", *args, stdout=out)
    return out.getvalue()


def test_honest_draws_verify(draws):
    out = verify("--lottery", str(draws[0].lottery_id), "--period", "2027-05-20")

    assert out.count("OK ") == 4 and "MISMATCH" not in out
    assert "4 checked, 0 mismatched" in out
    assert draws[0].seed.seed not in out  # the command never prints a seed


def tamper_roll(draw):
    LotteryDraw.objects.filter(pk=draw.pk).update(roll=(draw.roll + 1) % 1_000_000)


def tamper_outcome(draw):
    LotteryDraw.objects.filter(pk=draw.pk).update(outcome="voucher" if draw.outcome != "voucher" else "nothing")


def tamper_odds(draw):
    inputs, snapshot = draw.inputs, draw.snapshot
    inputs["table"][0]["ppm"], inputs["table"][1]["ppm"] = 800_000, 200_000
    snapshot["variants"][0]["probability_ppm"], snapshot["variants"][1]["probability_ppm"] = 800_000, 200_000
    LotteryDraw.objects.filter(pk=draw.pk).update(inputs=inputs, snapshot=snapshot)


def tamper_inputs_only(draw):
    inputs = draw.inputs
    inputs["sequence"] += 1
    LotteryDraw.objects.filter(pk=draw.pk).update(inputs=inputs)


def tamper_seed(draw):
    LotterySeed.objects.filter(pk=draw.seed_id).update(seed="00" * 32)


@pytest.mark.parametrize("tamper", [tamper_roll, tamper_outcome, tamper_odds, tamper_inputs_only, tamper_seed])
def test_a_tampered_draw_is_a_mismatch_and_fails_the_command(draws, tamper):
    victim = draws[1]
    tamper(victim)

    with pytest.raises(CommandError):
        verify("--all")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("lottery_verify", str(victim.pk), stdout=out)

    assert f"MISMATCH {victim.pk}" in out.getvalue()
    with frozen_at(DAY + timedelta(days=1)):
        proof = proofs.draw_proof(draw=LotteryDraw.objects.select_related("seed").get(pk=victim.pk))
    assert proof["verified"] is False and proof["problems"]


def test_an_odds_tamper_that_happens_to_keep_the_outcome_is_still_caught(draws):
    # Changing the odds in the snapshot but not in the inputs (or the reverse) is a mismatch on its own.
    victim = draws[0]
    snapshot = victim.snapshot
    snapshot["variants"][0]["probability_ppm"] = 199_999
    snapshot["variants"][1]["probability_ppm"] = 800_001
    LotteryDraw.objects.filter(pk=victim.pk).update(snapshot=snapshot)

    with pytest.raises(CommandError):
        verify(str(victim.pk))


def test_an_unknown_draw_id_fails_the_command(draws):
    with pytest.raises(CommandError):
        verify(str(draws[0].pk), "00000000-0000-0000-0000-000000000000")


def test_the_command_needs_a_selection():
    with pytest.raises(CommandError):
        verify()
