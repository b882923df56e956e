"""Row locks for lotteries. Lock order: the card first (``cards.locks.card_lock``), then the period's seed row."""

import uuid

from stampcard.lottery.models import Lottery, LotterySeed


def seed_lock(*, seed_id: int) -> LotterySeed:
    """Lock a period's seed row: every draw of one lottery in one period takes it, so sequence numbers and the
    prize caps read under it are exact."""
    return LotterySeed.objects.select_for_update().get(pk=seed_id)


def lottery_lock(*, lottery_id: uuid.UUID) -> Lottery:
    """Lock a lottery while its settings or prize table change (a table with draws is frozen: checked under it)."""
    return Lottery.objects.select_for_update().get(pk=lottery_id)
