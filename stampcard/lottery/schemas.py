"""Request and response shapes of the lottery API. Self-contained (no imports from ``pos``), so that the POS
schemas can embed ``DrawOut`` in checkout responses without an import cycle."""

from datetime import datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from ninja import Field, Schema
from pydantic import Strict, StringConstraints

from stampcard.api.schemas import RequestSchema
from stampcard.api.types import StrictInt
from stampcard.lottery.models import PROBABILITY_SCALE
from stampcard.lottery.validation import MAX_VARIANTS

# A number of percent, never a boolean.
Percent = Annotated[int, Strict(), Ge(0), Le(100)] | Annotated[float, Strict(), Ge(0), Le(100)]


class VoucherTermsIn(RequestSchema):
    title: str | None = Field(None, max_length=100)
    description: str = Field("", max_length=2000)
    validity: dict[str, Any] | None = Field(
        None, description='{"days": 30} | {"months": 2} | {"until": "2027-01-31"} | null for unlimited.'
    )
    benefit: dict[str, Any] | None = Field(
        None,
        description='What the voucher gives: {"kind": "percent", "value": 10} (1-100) | {"kind": "amount", '
        '"value": 5000} (minor units) | {"kind": "gift"} | null for a gift.',
    )


class VariantIn(RequestSchema):
    kind: str = Field(max_length=16, description="award | voucher | extra_try | nothing")
    name: str = Field(max_length=100)
    greeting: str = Field("", max_length=1000)
    probability: Percent | Annotated[str, StringConstraints(max_length=32)] | None = Field(
        None, description="Percent with at most 4 decimals, e.g. 12.5. Give this or probability_ppm."
    )
    probability_ppm: StrictInt | None = Field(
        None, ge=0, le=PROBABILITY_SCALE, description="Parts per million: 1000000 is 100%."
    )
    daily_cap: StrictInt | None = Field(
        None, ge=1, le=2**31 - 1, description="Prizes per day (the merchant's local day); then 'nothing'."
    )
    total_cap: StrictInt | None = Field(None, ge=1, le=2**31 - 1, description="Prizes ever; then 'nothing'.")
    voucher: VoucherTermsIn | None = None


class LotteryIn(RequestSchema):
    name: str = Field(max_length=100)
    draw_at: str = Field("checkout", max_length=16, description="checkout | customer")
    variants: list[VariantIn] = Field(max_length=MAX_VARIANTS)


class LotteryPatchIn(RequestSchema):
    name: str | None = Field(None, max_length=100)
    is_active: bool | None = None
    draw_at: str | None = Field(None, max_length=16)
    variants: list[VariantIn] | None = Field(
        None, max_length=MAX_VARIANTS, description="Replaces the prize table; refused once drawn."
    )


class VariantOut(Schema):
    id: str
    position: int
    kind: str
    name: str
    greeting: str
    probability_ppm: int
    probability: str
    daily_cap: int | None
    total_cap: int | None
    voucher: dict[str, Any] | None
    wins_total: int


class OddsOut(Schema):
    variant_id: str | None = Field(description="Null for the row that collects the odds of prizes that ran out.")
    kind: str
    name: str
    probability_ppm: int = Field(description="Effective now; the rows total exactly 1000000.")
    probability: str
    configured_ppm: int
    capped: str | None = Field(description="null, 'daily' or 'total': the prize ran out and gives nothing now.")
    remaining_today: int | None
    remaining_total: int | None
    fallback_for: list[str]


class LotteryOut(Schema):
    id: str
    name: str
    is_active: bool
    draw_at: str
    version: int
    created_at: datetime
    variants: list[VariantOut]
    odds: list[OddsOut]


class LotteryListOut(Schema):
    results: list[LotteryOut]


class CommitmentOut(Schema):
    period: str
    starts_at: datetime
    ends_at: datetime
    commitment: str = Field(description="sha256(seed), hex; public before the period's first draw.")
    seed: str | None = Field(description="Hex; null until the period is over.")
    revealed: bool
    reveals_at: datetime
    draws: int


class CommitmentsOut(Schema):
    lottery_id: str
    commitments: list[CommitmentOut]


class DrawVariantOut(Schema):
    id: str
    kind: str
    name: str
    greeting: str


class PrizeRewardOut(Schema):
    id: str
    kind: str
    state: str
    title: str
    description: str


class DrawOut(Schema):
    id: str
    lottery_id: str
    period: str
    sequence: int
    roll: int
    variant: DrawVariantOut
    outcome: str = Field(description="What the draw gives: award | voucher | extra_try | nothing.")
    greeting: str
    retry_of: str | None
    reward: PrizeRewardOut | None = Field(description="The award won, now ready on the card.")
    voucher_code: str | None = Field(description="The voucher won, now in the card.")
    drawn_at: datetime
    proof_url: str


class DrawResultOut(Schema):
    reward_id: str
    card: str
    draws: list[DrawOut]


class ProofOut(Schema):
    draw_id: str
    lottery_id: str
    algorithm: str
    scale: int
    period: str
    sequence: int
    commitment: str
    seed: str | None
    revealed: bool
    reveals_at: datetime
    inputs: dict[str, Any]
    canonical_inputs: str
    roll: int
    variant: DrawVariantOut
    outcome: str
    snapshot: dict[str, Any]
    drawn_at: datetime
    verified: bool | None = Field(description="Recomputed from the revealed seed; null until it is revealed.")
    problems: list[str]
