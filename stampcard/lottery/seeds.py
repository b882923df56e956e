"""Per-period server seeds: committed (hash published) before the period's draws, revealed after it ends.

A period is one UTC day. Its seed row exists (and its commitment is public) from the day before at the latest: the
commitments endpoint and the rotation task publish the current and the next period. The seed is shown only once
``ends_at`` has passed; draws only ever use the period containing ``now``, so a shown seed can decide nothing.
"""

from datetime import UTC, date, datetime, time, timedelta

from stampcard.core import clock
from stampcard.lottery import fairness
from stampcard.lottery.models import Lottery, LotterySeed


def period_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def period_bounds(period: date) -> tuple[datetime, datetime]:
    starts_at = datetime.combine(period, time.min, tzinfo=UTC)
    return starts_at, starts_at + timedelta(days=1)


def seed_for_period(*, lottery: Lottery, period: date) -> LotterySeed:
    """The period's seed row, created with a fresh CSPRNG seed if it does not exist yet (race-safe)."""
    starts_at, ends_at = period_bounds(period)
    seed_hex = fairness.new_seed()
    seed, _created = LotterySeed.objects.get_or_create(
        lottery=lottery,
        period=period,
        defaults={
            "merchant_id": lottery.merchant_id,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "seed": seed_hex,
            "commitment": fairness.commitment_of(seed_hex),
        },
    )
    return seed


def seeds_publish(*, lottery: Lottery, now: datetime | None = None) -> list[LotterySeed]:
    """Make sure the current and the next period have a published commitment."""
    today = period_of(now or clock.now())
    return [seed_for_period(lottery=lottery, period=p) for p in (today, today + timedelta(days=1))]


def seed_is_revealed(seed: LotterySeed, *, now: datetime | None = None) -> bool:
    return (now or clock.now()) >= seed.ends_at


def seeds_reveal_due(*, now: datetime | None = None, lottery: Lottery | None = None) -> int:
    """Record the reveal of every seed whose period is over. The seed is shown by time alone (``seed_is_revealed``);
    ``revealed_at`` records when it was first made public."""
    now = now or clock.now()
    due = LotterySeed.objects.filter(revealed_at__isnull=True, ends_at__lte=now)
    if lottery is not None:
        due = due.filter(lottery=lottery)
    return due.update(revealed_at=now)
