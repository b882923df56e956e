"""Background work for lotteries: publish upcoming commitments and reveal the seeds of finished periods.

Run daily (or more often) from the operator's scheduler; reading a proof or the commitments also does both lazily,
so nothing depends on this task running on time.
"""

from django_tasks import task

from stampcard.core import clock
from stampcard.lottery import seeds
from stampcard.lottery.models import Lottery


@task()
def lottery_seeds_rotate() -> dict[str, int]:
    now = clock.now()
    published = 0
    for lottery in Lottery.objects.filter(is_active=True).iterator():
        published += len(seeds.seeds_publish(lottery=lottery, now=now))
    return {"lotteries_published": published // 2, "seeds_revealed": seeds.seeds_reveal_due(now=now)}
