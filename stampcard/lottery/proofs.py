"""Published commitments and per-draw proofs: what anyone needs to check a draw (docs/lottery-fairness.md)."""

from datetime import datetime, timedelta
from typing import Any

from stampcard.core import clock
from stampcard.lottery import fairness, seeds
from stampcard.lottery.models import PROBABILITY_SCALE, Lottery, LotteryDraw, LotterySeed

COMMITMENT_HISTORY_DAYS = 30


def seed_payload(seed: LotterySeed, *, now: datetime) -> dict[str, Any]:
    revealed = seeds.seed_is_revealed(seed, now=now)
    return {
        "period": seed.period.isoformat(),
        "starts_at": seed.starts_at,
        "ends_at": seed.ends_at,
        "commitment": seed.commitment,
        "seed": seed.seed if revealed else None,
        "revealed": revealed,
        "reveals_at": seed.ends_at,
        "draws": seed.next_sequence - 1,
    }


def lottery_commitments(*, lottery: Lottery, now: datetime | None = None) -> list[dict[str, Any]]:
    """The last 30 days of periods, newest first: today's and tomorrow's commitments (published now if they were
    not yet), and the seeds of the periods that are over."""
    now = now or clock.now()
    seeds.seeds_publish(lottery=lottery, now=now)
    seeds.seeds_reveal_due(now=now, lottery=lottery)
    since = seeds.period_of(now) - timedelta(days=COMMITMENT_HISTORY_DAYS)
    rows = LotterySeed.objects.filter(lottery=lottery, period__gte=since).order_by("-period")
    return [seed_payload(seed, now=now) for seed in rows]


def draw_problems(draw: LotteryDraw) -> list[str]:
    """Recompute ``draw`` from its period's seed (revealed or not: operators may check early) and its recorded
    inputs, and check that the inputs are really this draw's. Empty when everything agrees."""
    seed = draw.seed
    inputs = draw.inputs
    problems = []
    expected_refs = {
        "lottery": str(draw.lottery_id),
        "period": seed.period.isoformat(),
        "sequence": draw.sequence,
        "retry_of": draw.retry_of.sequence if draw.retry_of else None,
    }
    for key, value in expected_refs.items():
        if inputs.get(key) != value:
            problems.append(f"inputs.{key} is {inputs.get(key)!r}, the draw's is {value!r}")
    if draw.commitment != seed.commitment:
        problems.append("the draw's commitment is not its period's")
    table = [
        {"variant": row["variant"], "kind": row["kind"], "ppm": row["probability_ppm"], "capped": bool(row["capped"])}
        for row in draw.snapshot.get("variants", ())
    ]
    if inputs.get("table") != table:
        problems.append("the input table differs from the snapshot of the prize table")
    problems += fairness.verify(
        seed_hex=seed.seed,
        commitment=draw.commitment,
        inputs=inputs,
        roll=draw.roll,
        variant_id=str(draw.variant_id),
        outcome=draw.outcome,
    )
    return problems


def draw_proof(*, draw: LotteryDraw, now: datetime | None = None) -> dict[str, Any]:
    """The proof of one draw. Before its period is over the seed is null, ``verified`` is null and ``reveals_at``
    says when both arrive."""
    now = now or clock.now()
    seed = draw.seed
    revealed = seeds.seed_is_revealed(seed, now=now)
    if revealed and seed.revealed_at is None:
        seeds.seeds_reveal_due(now=now, lottery=draw.lottery)
    problems = draw_problems(draw) if revealed else []
    return {
        "draw_id": str(draw.pk),
        "lottery_id": str(draw.lottery_id),
        "algorithm": fairness.ALGORITHM,
        "scale": PROBABILITY_SCALE,
        "period": seed.period.isoformat(),
        "sequence": draw.sequence,
        "commitment": draw.commitment,
        "seed": seed.seed if revealed else None,
        "revealed": revealed,
        "reveals_at": seed.ends_at,
        "inputs": draw.inputs,
        "canonical_inputs": fairness.canonical(draw.inputs).decode("ascii"),
        "roll": draw.roll,
        "variant": _variant_of_snapshot(draw),
        "outcome": draw.outcome,
        "snapshot": draw.snapshot,
        "drawn_at": draw.created_at,
        "verified": (not problems) if revealed else None,
        "problems": problems,
    }


def _variant_of_snapshot(draw: LotteryDraw) -> dict[str, Any]:
    for row in draw.snapshot.get("variants", ()):
        if row["variant"] == str(draw.variant_id):
            return {"id": row["variant"], "kind": row["kind"], "name": row["name"], "greeting": row["greeting"]}
    return {"id": str(draw.variant_id), "kind": "", "name": "", "greeting": ""}
