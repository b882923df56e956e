"""The provably fair draw as pure functions, free of the database. docs/lottery-fairness.md gives outsiders the
same recipe; ``verify`` is what the proof endpoint and ``manage.py lottery_verify`` run.

Per period the server draws a secret seed from the CSPRNG and publishes sha256(seed) before any draw of the period.
A draw's roll is HMAC-SHA256(seed, canonical JSON of its public inputs), mapped without modulo bias onto
[0, PROBABILITY_SCALE) by rejection sampling; the prize is the first row of the input table whose cumulative
probability exceeds the roll. A row capped at that moment, or an extra try on a draw that is itself an extra try,
gives nothing.
"""

import hashlib
import hmac
import itertools
import json
import secrets
from dataclasses import dataclass
from typing import Any

from stampcard.lottery.models import PROBABILITY_SCALE, VariantKind

ALGORITHM = "hmac-sha256-v1"

_SPACE = 2**256
# The largest multiple of the scale that fits in 256 bits: digests at or above it are rejected, so every roll in
# [0, PROBABILITY_SCALE) is equally likely.
_ACCEPT_BELOW = _SPACE - _SPACE % PROBABILITY_SCALE


def new_seed() -> str:
    return secrets.token_hex(32)


def commitment_of(seed_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def canonical(inputs: dict[str, Any]) -> bytes:
    """The bytes that are signed: JSON with sorted keys, no whitespace, ASCII only."""
    return json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def roll_of(*, seed_hex: str, inputs: dict[str, Any]) -> int:
    key, message = bytes.fromhex(seed_hex), canonical(inputs)
    for attempt in itertools.count():
        digest = hmac.new(key, message + b"#" + str(attempt).encode("ascii"), hashlib.sha256).digest()
        value = int.from_bytes(digest, "big")
        if value < _ACCEPT_BELOW:
            return value % PROBABILITY_SCALE
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Pick:
    index: int
    variant_id: str
    outcome: str  # a VariantKind value: the prize actually given


def pick(*, roll: int, inputs: dict[str, Any]) -> Pick:
    """The table row the roll lands on and what it gives, given the caps and extra-try rule in ``inputs``."""
    cumulative = 0
    for index, row in enumerate(inputs["table"]):
        cumulative += row["ppm"]
        if roll < cumulative:
            outcome = row["kind"]
            if row["capped"] or (outcome == VariantKind.EXTRA_TRY and inputs.get("retry_of") is not None):
                outcome = VariantKind.NOTHING.value
            return Pick(index=index, variant_id=row["variant"], outcome=outcome)
    raise ValueError(f"the prize table totals {cumulative} ppm, not {PROBABILITY_SCALE}")


def draw(*, seed_hex: str, inputs: dict[str, Any]) -> tuple[int, Pick]:
    roll = roll_of(seed_hex=seed_hex, inputs=inputs)
    return roll, pick(roll=roll, inputs=inputs)


def verify(
    *, seed_hex: str, commitment: str, inputs: dict[str, Any], roll: int, variant_id: str, outcome: str
) -> list[str]:
    """Recompute a draw from its revealed seed and public inputs; the list of disagreements, empty when it holds."""
    problems = []
    if not hmac.compare_digest(commitment_of(seed_hex), commitment):
        problems.append("the seed does not hash to the commitment")
    if inputs.get("algorithm") != ALGORITHM or inputs.get("scale") != PROBABILITY_SCALE:
        problems.append("unknown algorithm or scale")
    if sum(row["ppm"] for row in inputs.get("table", ())) != PROBABILITY_SCALE:
        problems.append("the prize table does not total 100%")
        return problems
    expected_roll, expected = draw(seed_hex=seed_hex, inputs=inputs)
    if expected_roll != roll:
        problems.append(f"roll {roll} recorded, {expected_roll} recomputed")
    if expected.variant_id != variant_id:
        problems.append(f"variant {variant_id} recorded, {expected.variant_id} recomputed")
    if expected.outcome != outcome:
        problems.append(f"outcome {outcome} recorded, {expected.outcome} recomputed")
    return problems
