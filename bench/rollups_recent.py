"""Analytics rollups of the recent months only, for the biggest merchant of a database (``bench.panel_queries``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stampcard_bigdata .venv/bin/python -m bench.rollups_recent

The whole ``make bigdata`` ledger takes ``analytics_rebuild`` about 43 minutes on 2 shared cores (docs/analytics.md).
The analytics queries of the bench read at most the last 90 days and the 90 before them, so this rebuilds the days
from the first of the month ``--days`` ago to today, each day in its own transaction, with the same
``day_rebuild`` and ``period_customers_rebuild`` the worker runs: the rollup rows those queries read are the ones a
full rebuild would write. ``bench.panel_queries`` then finds rollups and does not rebuild everything.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Count

    from stampcard.analytics import rollups
    from stampcard.analytics.period_customers import period_customers_rebuild, periods_of
    from stampcard.cards.models import Card
    from stampcard.core import clock
    from stampcard.merchants.models import Merchant

    biggest = Card.objects.values("merchant_id").annotate(n=Count("id")).order_by("-n").first()
    if biggest is None:
        raise SystemExit("no cards in this database")
    merchant = Merchant.objects.get(pk=biggest["merchant_id"])
    today = clock.now().astimezone(merchant.tz).date()
    first = (today - timedelta(days=args.days)).replace(day=1)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    started = time.perf_counter()
    for number, day in enumerate(days, 1):
        with transaction.atomic():
            rollups.day_rebuild(merchant=merchant, day=day)
        if number % 20 == 0:
            print(f"[{time.perf_counter() - started:7.1f}s] {number}/{len(days)} days", file=sys.stderr, flush=True)
    for period in periods_of(days):
        with transaction.atomic():
            period_customers_rebuild(merchant=merchant, period=period)
    with transaction.atomic():
        rollups.progress_rebuild(merchant=merchant)
    print(f"{merchant.name}: {len(days)} days from {first} rebuilt in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
