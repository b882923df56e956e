"""Fill a PostgreSQL database with a big merchant: ~1 million cards and ~20 million ledger lines (``make bigdata``).

    .venv/bin/python -m bench.bigdata                                   # 1,000,000 cards, 20,000,000 events
    .venv/bin/python -m bench.bigdata --cards 1000 --events 20000      # tiny, for a quick look
    BIGDATA_CARDS=200000 BIGDATA_EVENTS=4000000 make bigdata

The database (``--db``, default ``stampcard_bigdata`` on ``BENCH_PG_URL``) is dropped, created and migrated: a
run starts from scratch, so a run interrupted half-way is simply run again. The data is what the app itself would
have written, only written by SQL instead of one service call per line:

- three merchants in Kyiv time: "Kava Bigdata" with 88% of the cards at six locations, two smaller ones with 6%
  each (a card number has six digits, so one merchant can never hold more than 900,000 cards);
- per merchant: owner, manager, two cashiers per location, a POS API key per location, a program "8 stamps -> free
  coffee" (award) with its first version;
- customers with Ukrainian (Cyrillic and Latin) and English names, most with an email and/or a phone, some with
  marketing consent; one card each, joined over the last two years (more recently more often);
- visits skewed (a Weibull tail: many one-time guests, some regulars with hundreds of visits; 8% never came back),
  mostly at the customer's home location, in opening hours with morning, lunch and evening peaks; each visit is a
  committed check and a STAMP line, every eighth stamp a REWARD_ISSUED line taking 8 stamps (a ready award), handed
  over (REWARD_HANDED_OVER) on the next visit; 3% of cards start with a manual adjustment (a paper card moved);
- Apple Wallet passes (a quarter of the cards; most registered on a device) and Google Wallet objects (placeholder
  tokens: the passes are not servable), a few hundred vouchers issued and some redeemed through the real services.

Every card keeps the ledger's invariants: stamps = sum of its deltas, ``stamps_after`` is the running sum in id
order, ``lifetime_stamps``/``rewards_earned``/``cycle`` match its lines, ids follow time. ``tests/bench`` runs
``fill`` tiny and checks them.

Fast because the lines are made by ``INSERT ... SELECT`` over ``generate_series`` inside PostgreSQL, with the
secondary indexes dropped during the load and built afterwards (foreign keys are kept, not checked row by row:
``session_replication_role = replica``), then ``VACUUM ANALYZE``.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
GOAL = 8
DAYS = 730
TZ = "Europe/Kyiv"
TABLES = (
    "customers_customer",
    "cards_card",
    "cards_check",
    "cards_cardevent",
    "rewards_reward",
    "apple_wallet_applepass",
    "apple_wallet_appleregistration",
    "google_wallet_googleobject",
)


def _words(text: str) -> list[str]:
    return text.split()


# (display, folded, ascii for emails). Three pools: Ukrainian in Cyrillic, Ukrainian in Latin, English.
_UK_FIRST = _words(
    "Олена Ірина Наталія Оксана Тетяна Юлія Марія Анна Катерина Софія Вікторія Дарина Андрій Олександр "
    "Дмитро Сергій Тарас Іван Богдан Максим Микола Петро Юрій Василь Остап Ярослав Євген Олег Роман "
    "Віталій"
)
_UK_FIRST_LAT = _words(
    "olena iryna nataliia oksana tetiana yuliia mariia anna kateryna sofiia viktoriia daryna andrii "
    "oleksandr dmytro serhii taras ivan bohdan maksym mykola petro yurii vasyl ostap yaroslav yevhen oleh "
    "roman vitalii"
)
_UK_LAST = _words(
    "Коваленко Шевченко Бондаренко Ткаченко Кравченко Олійник Шевчук Поліщук Бойко Мельник Коваль Лисенко "
    "Марченко Руденко Савченко Петренко Гончаренко Кузьменко Мороз Павленко Гриценко Левченко Зінченко "
    "Ковальчук Данилюк Литвиненко Сидоренко Карпенко Приходько Яковенко"
)
_UK_LAST_LAT = _words(
    "kovalenko shevchenko bondarenko tkachenko kravchenko oliinyk shevchuk polishchuk boiko melnyk koval "
    "lysenko marchenko rudenko savchenko petrenko honcharenko kuzmenko moroz pavlenko hrytsenko levchenko "
    "zinchenko kovalchuk danyliuk lytvynenko sydorenko karpenko prykhodko yakovenko"
)
_EN_FIRST = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Susan Richard Jessica "
    "Joseph Sarah Thomas Karen Daniel Emma Oliver Amelia George Isla Harry Ava Jack Mia Chloé José"
)
_EN_LAST = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Anderson Thomas Moore Martin Jackson "
    "Thompson White Harris Clark Lewis Walker Hall Young King Wright Scott Green Baker Adams Nelson "
    "Álvarez"
)
DOMAINS = ["gmail.com", "ukr.net", "i.ua", "outlook.com", "yahoo.com", "icloud.com", "meta.ua", "proton.me"]
PHONE_CODES = ["50", "66", "67", "68", "63", "73", "93", "97", "98", "99", "95", "96"]
LOCATIONS = [
    ("Podil", "Sahaidachnoho St 1"),
    ("Khreshchatyk", "Khreshchatyk St 22"),
    ("Pechersk", "Lesi Ukrainky Blvd 10"),
    ("Obolon", "Obolonskyi Ave 16"),
    ("Lukianivka", "Dehtiarivska St 5"),
    ("Osokorky", "Drahomanova St 31"),
]
# How many of the customers call each location home: a flagship, and smaller spots.
LOCATION_WEIGHTS = [0.34, 0.22, 0.16, 0.12, 0.09, 0.07]


def _name_pools() -> dict[str, Any]:
    from stampcard.core.text import fold

    def ascii_of(name: str) -> str:
        return "".join(ch for ch in fold(name) if ch.isascii() and ch.isalpha())

    first = [(n, fold(n), lat) for n, lat in zip(_UK_FIRST, _UK_FIRST_LAT, strict=True)]
    first += [(lat.capitalize(), lat, lat) for lat in _UK_FIRST_LAT]
    first += [(n, fold(n), ascii_of(n)) for n in _EN_FIRST]
    last = [(n, fold(n), lat) for n, lat in zip(_UK_LAST, _UK_LAST_LAT, strict=True)]
    last += [(lat.capitalize(), lat, lat) for lat in _UK_LAST_LAT]
    last += [(n, fold(n), ascii_of(n)) for n in _EN_LAST]
    return {
        "fname": [f[0] for f in first],
        "ffold": [f[1] for f in first],
        "fascii": [f[2] for f in first],
        "lname": [x[0] for x in last],
        "lfold": [x[1] for x in last],
        "lascii": [x[2] for x in last],
        # Pool of each customer: 1 Cyrillic (55%), 2 Latin Ukrainian (15%), 3 English (30%); each pool has 30 names.
        "pool": len(_UK_FIRST),
    }


# Deterministic pseudo-random numbers in [0, 1): the same (key, salt) always gives the same number, so the visits can
# be made twice (once for the checks, once for the ledger) and agree.
_FUNCTIONS = """
CREATE FUNCTION pg_temp.bd_u(key bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (hashint8extended(key, salt) & 2147483647)::float8 / 2147483648.0 $$;
-- A position p in "opening days" (whole part: days from the start, fraction: share of the opening hours) to the
-- instant: 07:00-21:00 Kyiv with peaks about 08:30, 13:10 and 17:50 (a monotonic warp, so later p is later time).
CREATE FUNCTION pg_temp.bd_at(p float8, base date, cap timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE
PARALLEL SAFE AS $$
  SELECT least(cap, ((base + floor(p)::int)::timestamp + make_interval(secs => 3600 * (7 + 14 * (
    (p - floor(p)) + 0.8 / (6 * pi()) * (sin(6 * pi() * (p - floor(p)) + 0.357 * pi()) - sin(0.357 * pi()))))))
    AT TIME ZONE 'Europe/Kyiv')
$$;
"""


def _log(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)


def _merchant_setup(*, index: int, name: str, locations: int) -> dict[str, Any]:
    """A merchant as the services make one: owner, manager, cashiers, locations, POS keys, the program."""
    from stampcard.cards.models import EarningRule, Program
    from stampcard.cards.versions import program_version_current
    from stampcard.merchants import services as merchants_services
    from stampcard.merchants.models import BillingInterval, Plan, Role

    slug = f"m{index}"
    owner = merchants_services.staff_user_create(
        email=f"owner@{slug}.bigdata.invalid", password=None, full_name=f"{name} owner"
    )
    merchant = merchants_services.merchant_create(name=name, owner=owner, currency="UAH", timezone=TZ, locale="uk")
    merchants_services.subscription_change(
        merchant=merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=locations
    )
    locs = [
        merchants_services.location_create(merchant=merchant, name=f"{name} — {spot}", address=f"{street}, Kyiv")
        for spot, street in LOCATIONS[:locations]
    ]
    manager = merchants_services.staff_user_create(
        email=f"manager@{slug}.bigdata.invalid", password=None, full_name="Iryna Manager"
    )
    merchants_services.membership_create(merchant=merchant, user=manager, role=Role.MANAGER)
    cashiers, keys = [], []
    for n, loc in enumerate(locs):
        for k in range(2):
            user = merchants_services.staff_user_create(
                email=f"cashier{n}-{k}@{slug}.bigdata.invalid", password=None, full_name=f"Cashier {n}-{k}"
            )
            membership = merchants_services.membership_create(
                merchant=merchant, user=user, role=Role.CASHIER, locations=[loc]
            )
            cashiers.append(user.pk)
        key, _raw = merchants_services.api_key_create(membership=membership, name=f"POS {loc.name}", location=loc)
        keys.append(key.pk)
    program = Program.objects.create(
        merchant=merchant,
        name="Coffee card",
        is_default=True,
        goal=GOAL,
        earning_rule=EarningRule.PER_RECEIPT,
        reward_title="Free coffee",
        reward_description="Any coffee drink, any size.",
    )
    version = program_version_current(program=program)
    return {
        "merchant": merchant,
        "merchant_id": merchant.pk,
        "program_id": program.pk,
        "version_id": version.pk,
        "locations": [loc.pk for loc in locs],
        "keys": keys,
        "cashiers": cashiers,
        "manager": manager.pk,
    }


def _secondary_indexes(cursor: Any) -> list[tuple[str, str, str]]:
    """(table, drop statement, create statement) of every index but the primary keys and those foreign keys lean on."""
    cursor.execute(
        """
        SELECT t.relname, i.relname, con.conname, pg_get_indexdef(i.oid),
               CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid) END
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.contype IN ('u', 'p')
        WHERE t.relname = ANY(%s) AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.oid)
        """,
        [list(TABLES)],
    )
    out = []
    for table, index, constraint, indexdef, condef in cursor.fetchall():
        if constraint:
            out.append((table, f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"',
                        f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {condef}'))  # fmt: skip
        else:
            out.append((table, f'DROP INDEX "{index}"', indexdef))
    return out


def _indexes_restore(cursor: Any, indexes: list[tuple[str, str, str]], *, log: Callable[[str], None]) -> None:
    """Build again the indexes dropped for the load; one that cannot be built (a failed load may leave duplicates)
    is reported and the rest are still built."""
    failed = 0
    for n, (table, _drop, create) in enumerate(indexes, 1):
        t0 = time.perf_counter()
        try:
            cursor.execute(create)
        except Exception as exc:  # noqa: BLE001 - keep building the others, then say which failed
            failed += 1
            log(f"index {n}/{len(indexes)} on {table} could not be built: {exc}")
            continue
        if table in ("cards_cardevent", "cards_check"):
            log(f"index {n}/{len(indexes)} on {table} ({time.perf_counter() - t0:.1f}s)")
    log(f"rebuilt {len(indexes) - failed} of {len(indexes)} indexes")


def fill(
    *, cards: int, events: int, now: datetime | None = None, log: Callable[[str], None] = print, vouchers: int = 300
) -> dict[str, Any]:
    """Write the merchants and their cards into the default (PostgreSQL) database. Returns what it wrote."""
    from django.db import connection, transaction
    from django.utils import timezone

    if connection.vendor != "postgresql":
        raise RuntimeError("the big data set is PostgreSQL only")
    now = now or timezone.now()
    started = time.perf_counter()
    shares = [("Kava Bigdata", 0.88, 6), ("Pekarnia Ranok", 0.06, 3), ("Barbershop Chub", 0.06, 2)]
    sizes = [max(1, round(cards * share)) for _name, share, _locs in shares]
    if max(sizes) > 900_000:
        raise ValueError("a merchant holds at most 900,000 cards (six-digit numbers)")
    # Mean visits per card that come back (8% never do): each visit is 1 + 2/GOAL ledger lines on average.
    per_card = events / max(1, cards) / (1 + 2 / GOAL) / 0.92
    with transaction.atomic():
        merchants = [
            _merchant_setup(index=i, name=name, locations=locs)
            for i, ((name, _share, locs), _n) in enumerate(zip(shares, sizes, strict=True))
        ]
    log(f"merchants, staff, locations, keys and programs: {len(merchants)}")
    pools = _name_pools()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '512MB'")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        cursor.execute(_FUNCTIONS)
        indexes = _secondary_indexes(cursor)
        for _table, drop, _create in indexes:
            cursor.execute(drop)
        log(f"dropped {len(indexes)} secondary indexes for the load")
        try:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("DROP TABLE IF EXISTS bd_visit, bd_merchant, bd_card")
            cursor.execute(
                """CREATE UNLOGGED TABLE bd_merchant (m int, merchant_id uuid, program_id uuid, version_id bigint,
                     locs uuid[], keys uuid[], cashiers uuid[], manager uuid, n int, ord_base bigint,
                     card_base bigint)"""
            )
            cursor.execute("SELECT coalesce(max(id), 0) FROM cards_card")
            card_base = cursor.fetchone()[0]
            ord_base = 0
            for m, (info, n) in enumerate(zip(merchants, sizes, strict=True)):
                cursor.execute(
                    "INSERT INTO bd_merchant VALUES (%s, %s, %s, %s, %s::uuid[], %s::uuid[], %s::uuid[], %s, %s, %s, "
                    "%s)",
                    [m, info["merchant_id"], info["program_id"], info["version_id"], info["locations"], info["keys"],
                     info["cashiers"], info["manager"], n, ord_base, card_base + ord_base],
                )  # fmt: skip
                ord_base += n
            base = (now - timedelta(days=DAYS)).astimezone(timezone.get_fixed_timezone(0)).date()
            params: dict[str, Any] = {"base": base, "now": now, "days": DAYS, "per_card": per_card, "goal": GOAL}
            params["weights"] = [sum(LOCATION_WEIGHTS[: i + 1]) for i in range(len(LOCATION_WEIGHTS))]
            # One row per card: its join instant (p0, in opening days), visits, opening adjustment, home location, and
            # the visits of the cards before it (so check ids are computed, not looked up).
            # The visits' tail is cut by the time a card has had (recent joiners come less often than the mean says):
            # plan, count the lines that plan makes, and scale the mean until it lands within 2% of ``events``.
            for _attempt in range(4):
                cursor.execute("DROP TABLE IF EXISTS bd_card")
                cursor.execute(
                    """
                    CREATE UNLOGGED TABLE bd_card AS
                    SELECT s.*, sum(s.v) OVER (ORDER BY s.card_id) - s.v AS vbefore FROM (
                      SELECT m.m, m.merchant_id, m.program_id, m.version_id, g AS mord, m.ord_base + g AS ord,
                             m.card_base + g + 1 AS card_id, p0,
                             CASE WHEN pg_temp.bd_u(m.ord_base + g, 2) < 0.08 THEN 0 ELSE least(
                               1 + floor((%(per_card)s - 0.5) * power(-ln(1 - pg_temp.bd_u(m.ord_base + g, 3)), 2) / 2),
                               1 + floor(2 * (%(days)s - p0)))::int END AS v,
                             CASE WHEN pg_temp.bd_u(m.ord_base + g, 4) < 0.03
                                  THEN 1 + floor(5 * pg_temp.bd_u(m.ord_base + g, 5))::int ELSE 0 END AS a,
                             least(cardinality(m.locs), (SELECT count(*) FROM unnest(%(weights)s::float8[]) w
                               WHERE w < pg_temp.bd_u(m.ord_base + g, 6)) + 1)::int AS home
                      FROM bd_merchant m, generate_series(0, m.n - 1) g,
                           LATERAL (SELECT %(days)s * sqrt(pg_temp.bd_u(m.ord_base + g, 1)) AS p0) j
                    ) s
                    """,
                    params,
                )
                cursor.execute(
                    f"""SELECT sum(v) + 2 * sum((a + v) / {GOAL}) - count(*) FILTER (WHERE v > 0 AND (a + v) >= {GOAL}
                        AND (a + v) % {GOAL} = 0) + count(*) FILTER (WHERE a > 0) FROM bd_card"""
                )
                planned = int(cursor.fetchone()[0] or 0)
                if not planned or abs(planned - events) <= 0.02 * events:
                    break
                params["per_card"] *= events / planned
            cursor.execute("ALTER TABLE bd_card ADD PRIMARY KEY (card_id)")
            cursor.execute("ANALYZE bd_card")
            log(f"planned {sum(sizes):,} cards, {planned:,} ledger lines")
            cursor.execute(
                """
                INSERT INTO customers_customer (id, created_at, merchant_id, name, name_folded, email, phone, birthday,
                  marketing_email_consent, marketing_email_consent_at, terms_accepted_at, language)
                SELECT md5('cu:' || c.ord)::uuid, t.at, c.merchant_id,
                       (%(fname)s::text[])[f] || ' ' || (%(lname)s::text[])[l],
                       (%(ffold)s::text[])[f] || ' ' || (%(lfold)s::text[])[l],
                       CASE WHEN pg_temp.bd_u(c.ord, 11) < 0.7 THEN (%(fascii)s::text[])[f] || '.' ||
                         (%(lascii)s::text[])[l] || c.ord || '@' ||
                         (%(domains)s::text[])[1 + floor(pg_temp.bd_u(c.ord, 12) * %(ndomains)s)::int] ELSE '' END,
                       CASE WHEN pg_temp.bd_u(c.ord, 13) < 0.6 THEN '+380' ||
                         (%(codes)s::text[])[1 + floor(pg_temp.bd_u(c.ord, 14) * %(ncodes)s)::int] ||
                         lpad(((c.ord * 7919 + 13) %% 10000000)::text, 7, '0') ELSE '' END,
                       CASE WHEN pg_temp.bd_u(c.ord, 15) < 0.3
                         THEN date '1960-01-01' + floor(pg_temp.bd_u(c.ord, 16) * 16000)::int END,
                       pg_temp.bd_u(c.ord, 17) < 0.35,
                       CASE WHEN pg_temp.bd_u(c.ord, 17) < 0.35 THEN t.at END,
                       t.at,
                       CASE WHEN pg_temp.bd_u(c.ord, 18) < 0.85 THEN 'uk' ELSE 'en' END
                FROM bd_card c,
                     LATERAL (SELECT pg_temp.bd_at(c.p0, %(base)s, %(now)s) AS at) t,
                     LATERAL (SELECT CASE WHEN pg_temp.bd_u(c.ord, 9) < 0.55 THEN 0
                                          WHEN pg_temp.bd_u(c.ord, 9) < 0.70 THEN 1 ELSE 2 END AS pool) p,
                     LATERAL (SELECT p.pool * %(pool)s + 1 + floor(pg_temp.bd_u(c.ord, 7) * %(pool)s)::int AS f,
                                     p.pool * %(pool)s + 1 + floor(pg_temp.bd_u(c.ord, 8) * %(pool)s)::int AS l) n
                """,
                {**params, **pools, "domains": DOMAINS, "ndomains": len(DOMAINS), "codes": PHONE_CODES,
                 "ncodes": len(PHONE_CODES)},
            )  # fmt: skip
            log(f"customers: {cursor.rowcount:,}")
            cursor.execute(
                """
                INSERT INTO cards_card (id, created_at, merchant_id, program_id, program_version_id, customer_id,
                  number,
                  qr_payload, stamps, lifetime_stamps, rewards_earned, last_stamp_at, cycle, milestones_reached,
                  changed_at, in_wallet, referral_pending, holdings_added, holdings_seen_empty)
                SELECT c.card_id, t.at, c.merchant_id, c.program_id, c.version_id, md5('cu:' || c.ord)::uuid,
                       (100000 + (c.mord::bigint * 7919) %% 900000)::text,
                       'SC1:' || upper(substr(md5('qr:' || c.ord), 1, 26)),
                       (c.a + c.v) %% %(goal)s, c.a + c.v, (c.a + c.v) / %(goal)s, lv.at,
                       (c.a + c.v) / %(goal)s, 0, coalesce(lv.at, t.at),
                       pg_temp.bd_u(c.ord, 20) < 0.25 OR pg_temp.bd_u(c.ord, 22) < 0.15, false, 0, 0
                FROM bd_card c,
                     LATERAL (SELECT pg_temp.bd_at(c.p0, %(base)s, %(now)s) AS at) t,
                     LATERAL (SELECT CASE WHEN c.v > 0 THEN pg_temp.bd_at(
                       c.p0 + (%(days)s - c.p0) * (c.v - 1 + pg_temp.bd_u(c.card_id, c.v)) / c.v, %(base)s, %(now)s)
                       END AS at) lv
                """,
                params,
            )
            log(f"cards: {cursor.rowcount:,}")
            # The count of open cards the dashboard reads (``cards.counts``), as card issue keeps it.
            cursor.execute(
                """
                INSERT INTO cards_cardcount (merchant_id, program_id, slot, cards)
                SELECT c.merchant_id, c.program_id, 0, count(*) FROM bd_card c GROUP BY c.merchant_id, c.program_id
                ON CONFLICT (program_id, slot) DO UPDATE SET cards = cards_cardcount.cards + EXCLUDED.cards
                """
            )
            # One visit: its check id, instant, location (80% the card's home), channel and who recorded it.
            visits = """
                SELECT c.card_id, c.merchant_id, c.a, c.v, j, c.ord,
                       %(check_base)s + c.vbefore + j AS check_id,
                       pg_temp.bd_at(c.p0 + (%(days)s - c.p0) * (j - 1 + pg_temp.bd_u(c.card_id, j)) / c.v,
                                     %(base)s, %(now)s) AS at,
                       loc.i AS li, m.locs[loc.i] AS location_id, ch.channel,
                       CASE WHEN ch.channel = 'api' THEN m.keys[loc.i] END AS api_key_id,
                       CASE WHEN ch.channel = 'scanner' THEN m.cashiers[2 * loc.i - 1 + (j %% 2)] END AS actor_id,
                       m.cashiers[2 * loc.i - 1] AS handler_id,
                       4000 + floor(power(pg_temp.bd_u(c.card_id, 100000 + j), 2) * 40000)::bigint AS total
                FROM bd_card c JOIN bd_merchant m ON m.m = c.m, generate_series(1, c.v) j,
                     LATERAL (SELECT CASE WHEN pg_temp.bd_u(c.card_id, 200000 + j) < 0.8 THEN c.home
                       ELSE 1 + floor(pg_temp.bd_u(c.card_id, 300000 + j) * cardinality(m.locs))::int END AS i) loc,
                     LATERAL (SELECT CASE WHEN pg_temp.bd_u(c.card_id, 400000 + j) < 0.65 THEN 'api'
                       WHEN pg_temp.bd_u(c.card_id, 400000 + j) < 0.95 THEN 'scanner' ELSE 'receipt' END AS channel) ch
            """
            cursor.execute("SELECT coalesce(max(id), 0) FROM cards_check")
            params["check_base"] = cursor.fetchone()[0]
            # Made once (unlogged, no WAL) and read twice: the checks, then the ledger.
            cursor.execute("DROP TABLE IF EXISTS bd_visit")
            cursor.execute(f"CREATE UNLOGGED TABLE bd_visit AS {visits}", params)
            log(f"visits: {cursor.rowcount:,}")
            cursor.execute(
                """
                INSERT INTO cards_check (id, created_at, merchant_id, pos, external_id, card_id, location_id, total,
                  currency, closed_at, state, stamps_issued, stamps_reversed, reversal_kind)
                SELECT x.check_id, x.at, x.merchant_id, x.channel, 'bd-' || x.check_id, x.card_id, x.location_id,
                       x.total, 'UAH', x.at, 'committed', 1, 0, ''
                FROM bd_visit x
                """
            )
            log(f"checks: {cursor.rowcount:,}")
            # The ledger, in time order so that ids follow time as they do in production. Per visit: the award of the
            # previous visit handed over, the stamp, the reward its eighth stamp reached.
            cursor.execute(
                """
                INSERT INTO cards_cardevent (created_at, merchant_id, card_id, kind, delta, stamps_after, check_id,
                  channel, actor_id, api_key_id, location_id, reason, payload)
                SELECT at, merchant_id, card_id, kind, delta, stamps_after, check_id, channel, actor_id, api_key_id,
                       location_id, reason, payload
                FROM (
                  SELECT x.at, x.card_id, x.j, e.sub, x.merchant_id, e.kind, e.delta, e.stamps_after, e.check_id,
                         e.channel, e.actor_id, e.api_key_id, x.location_id, '' AS reason, e.payload
                  FROM bd_visit x
                  CROSS JOIN LATERAL (VALUES
                    (0, CASE WHEN x.j > 1 AND (x.a + x.j - 1) %% %(goal)s = 0 THEN 'reward_handed_over' END, 0, 0,
                     x.check_id - 1, 'scanner', x.handler_id, NULL::uuid,
                     jsonb_build_object('reward_id',
                                        md5('rw:' || x.card_id || ':' || (x.a + x.j - 1) / %(goal)s)::uuid)),
                    (1, 'stamp', 1, (x.a + x.j - 1) %% %(goal)s + 1, x.check_id, x.channel, x.actor_id, x.api_key_id,
                     jsonb_build_object('total', x.total)),
                    (2, CASE WHEN (x.a + x.j) %% %(goal)s = 0 THEN 'reward_issued' END, -%(goal)s, 0, x.check_id,
                     x.channel, x.actor_id, x.api_key_id,
                     jsonb_build_object('reward_id', md5('rw:' || x.card_id || ':' || (x.a + x.j) / %(goal)s)::uuid,
                                        'milestone', 0))
                  ) e(sub, kind, delta, stamps_after, check_id, channel, actor_id, api_key_id, payload)
                  WHERE e.kind IS NOT NULL
                  UNION ALL
                  SELECT t.at, c.card_id, 0, 0, c.merchant_id, 'adjustment', c.a, c.a, NULL, 'panel', m.manager, NULL,
                         NULL, 'Balance moved from the paper card', '{}'::jsonb
                  FROM bd_card c JOIN bd_merchant m ON m.m = c.m,
                       LATERAL (SELECT pg_temp.bd_at(c.p0, %(base)s, %(now)s) AS at) t
                  WHERE c.a > 0
                ) lines
                ORDER BY at, card_id, j, sub
                """,
                params,
            )
            written_events = cursor.rowcount
            log(f"ledger lines: {written_events:,}")
            cursor.execute(
                """
                INSERT INTO rewards_reward (id, created_at, merchant_id, card_id, kind, state, title, description,
                  stamps_spent, handed_over_at, check_id, cycle, milestone, spec)
                SELECT md5('rw:' || c.card_id || ':' || k)::uuid, issued.at, c.merchant_id, c.card_id, 'award',
                       CASE WHEN 8 * k - c.a < c.v THEN 'handed_over' ELSE 'ready' END, 'Free coffee',
                       'Any coffee drink, any size.', %(goal)s, handed.at,
                       %(check_base)s + c.vbefore + %(goal)s * k - c.a, k - 1, 0,
                       jsonb_build_object('at', %(goal)s, 'kind', 'award', 'title', 'Free coffee',
                                          'description', 'Any coffee drink, any size.')
                FROM bd_card c, generate_series(1, (c.a + c.v) / %(goal)s) k,
                     LATERAL (SELECT pg_temp.bd_at(
                                  c.p0 + (%(days)s - c.p0) * (j - 1 + pg_temp.bd_u(c.card_id, j)) / c.v,
                                                   %(base)s, %(now)s) AS at
                              FROM (SELECT %(goal)s * k - c.a AS j) q) issued,
                     LATERAL (SELECT CASE WHEN j <= c.v THEN pg_temp.bd_at(
                                c.p0 + (%(days)s - c.p0) * (j - 1 + pg_temp.bd_u(c.card_id, j)) / c.v,
                                %(base)s, %(now)s)
                              END AS at FROM (SELECT %(goal)s * k - c.a + 1 AS j) q) handed
                """,
                params,
            )
            log(f"rewards: {cursor.rowcount:,}")
            # A card holding a ready reward is counted as holding something, as the ledger line of its reward counts
            # it (``Card.holdings_added``): its answers read its holdings.
            cursor.execute(
                "UPDATE cards_card SET holdings_added = 1"
                " WHERE id IN (SELECT card_id FROM rewards_reward WHERE state = 'ready')"
            )
            cursor.execute(
                """
                INSERT INTO apple_wallet_applepass (created_at, pass_type_identifier, serial_number, pushed_changed_at,
                  card_id, merchant_id, authentication_token_digest, authentication_token_sealed, public_token_digest,
                  public_token_sealed, message, message_key)
                SELECT k.created_at, 'pass.local.stampcard.bigdata', 'bd-' || c.card_id, k.changed_at, c.card_id,
                       c.merchant_id, encode(sha256(('auth:' || c.card_id)::bytea), 'hex'), 'bigdata-placeholder',
                       encode(sha256(('pub:' || c.card_id)::bytea), 'hex'), 'bigdata-placeholder', '', ''
                FROM bd_card c JOIN cards_card k ON k.id = c.card_id WHERE pg_temp.bd_u(c.ord, 20) < 0.25
                """
            )
            passes = cursor.rowcount
            cursor.execute(
                """
                INSERT INTO apple_wallet_appleregistration (created_at, device_library_identifier, push_token,
                  updated_at, apple_pass_id)
                SELECT p.created_at, md5('dev:' || p.card_id), md5('push:' || p.card_id) || md5('push2:' || p.card_id),
                       p.created_at, p.id
                FROM apple_wallet_applepass p JOIN bd_card c ON c.card_id = p.card_id
                WHERE pg_temp.bd_u(c.ord, 21) < 0.8
                """
            )
            registrations = cursor.rowcount
            cursor.execute(
                """
                INSERT INTO google_wallet_googleclass (created_at, class_id, synced_hash, merchant_id, program_id)
                SELECT now(), 'bigdata.' || m.program_id, '', m.merchant_id, m.program_id FROM bd_merchant m
                """
            )
            cursor.execute(
                """
                INSERT INTO google_wallet_googleobject (created_at, object_id, synced_hash, synced_balance, card_id,
                  google_class_id, merchant_id)
                SELECT k.created_at, 'bigdata.' || c.card_id, '', '', c.card_id, g.id, c.merchant_id
                FROM bd_card c JOIN cards_card k ON k.id = c.card_id JOIN google_wallet_googleclass g
                  ON g.program_id = c.program_id
                WHERE pg_temp.bd_u(c.ord, 22) < 0.15
                """
            )
            log(f"wallets: {passes:,} Apple passes ({registrations:,} on a device), {cursor.rowcount:,} Google objects")
            cursor.execute("SET session_replication_role = DEFAULT")
            for table in (
                "cards_card",
                "cards_check",
                "cards_cardevent",
                "apple_wallet_applepass",
                "apple_wallet_appleregistration",
                "google_wallet_googleobject",
                "google_wallet_googleclass",
            ):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")  # fmt: skip
        finally:
            # Also after a failed load: a database left without its indexes (a test database, say) would make
            # everything run after it fail in ways that point nowhere near here.
            cursor.execute("SET session_replication_role = DEFAULT")
            _indexes_restore(cursor, indexes, log=log)
        cursor.execute("DROP TABLE bd_visit, bd_card, bd_merchant")
    if vouchers:
        issued = _vouchers(merchant=merchants[0]["merchant"], count=vouchers)
        log(f"vouchers: {issued} issued through the service, a third of them redeemed")
    with connection.cursor() as cursor:
        for table in TABLES + ("vouchers_voucher",):
            cursor.execute(f"VACUUM ANALYZE {table}")
        log("vacuumed and analysed")
        cursor.execute("SELECT count(*) FROM cards_card")
        total_cards = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cards_cardevent")
        total_events = cursor.fetchone()[0]
    return {
        "cards": total_cards,
        "events": total_events,
        "merchant_id": str(merchants[0]["merchant_id"]),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _vouchers(*, merchant: Any, count: int) -> int:
    """Vouchers into some of the big merchant's cards, through the real service (they are few)."""
    from stampcard.cards.models import Card
    from stampcard.core.validity import Validity
    from stampcard.merchants.actors import Actor, Channel
    from stampcard.merchants.models import Membership, Role
    from stampcard.vouchers import services as vouchers_services

    manager = Membership.objects.select_related("user").get(merchant=merchant, role=Role.MANAGER)
    actor = Actor(merchant=merchant, channel=Channel.PANEL, user=manager.user, membership=manager)
    cards = Card.objects.filter(merchant=merchant)
    step = max(1, cards.count() // count)
    card_ids = list(cards.order_by("id").values_list("id", flat=True)[: count * step : step])
    for n, card in enumerate(Card.objects.filter(pk__in=card_ids)):
        [voucher] = vouchers_services.voucher_issue(
            actor=actor, card=card, title="Birthday cake", validity=Validity.from_spec({"days": 30})
        )
        if n % 3 == 0:
            vouchers_services.voucher_redeem(actor=actor, code=voucher.code)
    return len(card_ids)


INVARIANTS = {
    "card stamps = sum of its ledger deltas": """
        SELECT count(*) FROM cards_card c LEFT JOIN (SELECT card_id, sum(delta) s FROM cards_cardevent GROUP BY card_id)
          e ON e.card_id = c.id WHERE c.stamps <> coalesce(e.s, 0)""",
    "stamps_after = running sum of deltas in id order": """
        SELECT count(*) FROM (SELECT stamps_after, sum(delta) OVER (PARTITION BY card_id ORDER BY id) s
          FROM cards_cardevent) x WHERE x.s <> x.stamps_after""",
    "ids follow time within a card": """
        SELECT count(*) FROM (SELECT created_at, lag(created_at) OVER (PARTITION BY card_id ORDER BY id) prev
          FROM cards_cardevent) x WHERE x.created_at < x.prev""",
    "lifetime stamps, rewards earned and last stamp match the ledger": """
        SELECT count(*) FROM cards_card c LEFT JOIN (SELECT card_id,
            sum(delta) FILTER (WHERE kind = 'stamp' OR (kind = 'adjustment' AND delta > 0)) lifetime,
            count(*) FILTER (WHERE kind = 'reward_issued') rewards,
            max(created_at) FILTER (WHERE kind = 'stamp') last_stamp
          FROM cards_cardevent GROUP BY card_id) e ON e.card_id = c.id
        WHERE c.lifetime_stamps <> coalesce(e.lifetime, 0) OR c.rewards_earned <> coalesce(e.rewards, 0)
           OR c.last_stamp_at IS DISTINCT FROM e.last_stamp""",
    "every stamp has its own check of the same card": """
        SELECT count(*) FROM cards_cardevent e LEFT JOIN cards_check k ON k.id = e.check_id
        WHERE e.kind = 'stamp' AND (k.id IS NULL OR k.card_id <> e.card_id OR k.stamps_issued <> e.delta)""",
    "rewards: one row per issued line, handed over iff a line says so": """
        SELECT count(*) FROM rewards_reward r FULL JOIN (SELECT (payload->>'reward_id')::uuid rid,
            bool_or(kind = 'reward_handed_over') handed FROM cards_cardevent
          WHERE kind IN ('reward_issued', 'reward_handed_over') GROUP BY 1) e ON e.rid = r.id
        WHERE r.id IS NULL OR e.rid IS NULL OR (r.state = 'handed_over') <> e.handed""",
    "a card holding a ready reward or an open voucher is counted as holding something": """
        SELECT count(*) FROM cards_card c WHERE c.holdings_added = c.holdings_seen_empty
          AND (EXISTS (SELECT 1 FROM rewards_reward r WHERE r.card_id = c.id AND r.state = 'ready')
               OR EXISTS (SELECT 1 FROM vouchers_voucher v WHERE v.card_id = c.id AND v.state IN ('issued', 'active')
                            AND (v.expires_at IS NULL OR v.expires_at > now())))""",
    "a card's customer is of the same merchant": """
        SELECT count(*) FROM cards_card c JOIN customers_customer u ON u.id = c.customer_id
        WHERE u.merchant_id <> c.merchant_id""",
}


def invariants_broken() -> dict[str, int]:
    """Each invariant of the data set with the rows that break it (all zero when the data is whole)."""
    from django.db import connection

    broken = {}
    with connection.cursor() as cursor:
        for name, sql in INVARIANTS.items():
            cursor.execute(sql)
            broken[name] = cursor.fetchone()[0]
    return broken


def _database_url(base_url: str, name: str) -> str:
    return base_url.rsplit("/", 1)[0] + "/" + name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=int(os.environ.get("BIGDATA_CARDS", 1_000_000)))
    parser.add_argument("--events", type=int, default=int(os.environ.get("BIGDATA_EVENTS", 20_000_000)))
    parser.add_argument("--db", default=os.environ.get("BIGDATA_DB", "stampcard_bigdata"))
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--verify", action="store_true", help="check the invariants afterwards (minutes at 20M)")
    args = parser.parse_args(argv)
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(args.pg_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.db}"')
    os.environ["DATABASE_URL"] = _database_url(args.pg_url, args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, ROOT)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    _log(f"database {args.db} created and migrated", started)
    print(f"filling {args.cards:,} cards / ~{args.events:,} ledger lines", flush=True)
    result = fill(cards=args.cards, events=args.events, log=lambda message: _log(message, started))
    _log(f"done: {result['cards']:,} cards, {result['events']:,} ledger lines in {args.db}", started)
    if args.verify:
        broken = invariants_broken()
        for name, rows in broken.items():
            print(f"  {'ok' if not rows else 'BROKEN'}: {name}" + (f" ({rows:,} rows)" if rows else ""))
        _log("invariants checked", started)
        return 1 if any(broken.values()) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
