"""Where the reads that may lag go: the read replica when ``DATABASE_REPLICA_URL`` configures one, else the primary.

A named choice made by the selectors that may lag, not a database router that decides per model: the same model is
read by the till, which must see the write it just made (a card stamped a moment ago shows its stamps, a voucher
just redeemed is redeemed), and by a report, which may be seconds behind. A router sees only the model and would
have to guess; a selector knows which one it is. So the default stays the primary for every query, and only these
read ``replica_alias()``:

- the analytics summary (``analytics.selectors.analytics_summary``: the rollups, which the worker writes on the
  primary every few minutes anyway), behind the analytics page, its CSV tables and API v1's analytics;
- the CSV exports of the customer directory and of the journal (``cards.exports``), which walk up to a million rows.

Anything that decides a write, or shows a customer or a cashier what just changed (identify, preview, commit,
vouchers, the card pages), reads the primary, as does everything when no replica is configured.
"""

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"


def replica_alias() -> str:
    """The alias of the read replica, or of the primary when there is none (one-database installations, SQLite)."""
    return REPLICA if REPLICA in settings.DATABASES else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Installed only with a replica: keeps ``migrate`` off it (the primary streams its schema to the replica, which
    refuses writes anyway). Says nothing about reads and writes, which go to the primary unless a selector above
    chose ``replica_alias()``."""

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
