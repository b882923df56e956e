"""The email half of bench/fanout: one campaign email to many customers through the real sender
(``campaigns.messages.sender``) to a local SMTP server (aiosmtpd), beside a baseline of the same number of bare
``smtplib`` sends over one connection to the same server, in the same run.

    .venv/bin/python -m bench.fanout_email                      # 10,000 recipients, SQLite file under var/bench
    .venv/bin/python -m bench.fanout_email --recipients 500     # a quick run
    .venv/bin/python -m bench.fanout_email --pg                 # PostgreSQL: stampcard_bench_email on BENCH_PG_URL

What is timed:

- the sender: ``sender.message_send`` rounds until the message is done, i.e. what the worker runs: claim 200 pending
  deliveries (a conditional UPDATE; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), decide each (consent, unsubscribed,
  bounced address), fill the email (rendered once per language and program in a round: text and HTML in the
  customer's language, the merchant's branding; per recipient the address, the Message-ID, the date and the
  unsubscribe link signed for the delivery; with ``--voucher`` the code, link and expiry of the recipient's
  voucher), send it over the batch's SMTP connection (Django's SMTP backend opens it; the prepared bytes go to its
  session), mark the delivery sent (one UPDATE after the server's 250), and after the batch write its
  ``message_sent`` ledger lines in one INSERT.
- baseline: ``smtplib.SMTP.sendmail`` of the same number of emails of the same size (one delivery's email,
  readdressed), prepared beforehand as bytes, over one connection: half just before the sender, half just after, so
  that a shared machine's drifting load weighs on both sides alike.

The SMTP server runs in a child process (its own interpreter, so its CPU does not share the bench's GIL) and only
counts what it is given. Setup (migrating a fresh database, enrolling the customers) is outside the timing. Checks
afterwards: every delivery ``sent``, the server received each recipient's email once from the sender (distinct
``Message-ID`` per delivery) and every baseline email; a failed check makes the exit status 1. The report is printed
and written to ``var/bench/fanout_email.json``.

The target (issue 14) is the sender within 2x of the baseline: per email it does what a bare ``sendmail`` cannot (a
claim, a decision, a signed link, a database write), and that should cost no more than the SMTP dialogue itself.
The machine's load average is in the report: both sides share its cores with whatever else runs, and a loaded
machine stretches the sender's database work and the server's wake-ups more than the baseline's tight loop.
"""

import argparse
import json
import logging
import multiprocessing
import os
import smtplib
import sys
import time
from pathlib import Path
from typing import Any

from bench.scratchdb import scratch_database

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
PG_DB = "stampcard_bench_email"
FROM = "noreply@bench.invalid"


# --- the SMTP server's process -----------------------------------------------------------------------------------


def _smtp_server(conn: Any) -> None:
    """Child process: an aiosmtpd server on a free loopback port that counts messages, recipients and Message-IDs;
    sends its port, waits for "stop", sends its counts."""
    import email.parser
    import socket

    from aiosmtpd.controller import Controller

    class Counter:
        def __init__(self) -> None:
            self.messages = 0
            self.recipients: dict[str, int] = {}
            self.message_ids: set[str] = set()
            self.headers = email.parser.BytesHeaderParser()

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802, ARG002
            self.messages += 1
            for rcpt in envelope.rcpt_tos:
                self.recipients[rcpt] = self.recipients.get(rcpt, 0) + 1
            message_id = self.headers.parsebytes(envelope.content).get("Message-ID")
            if message_id:
                self.message_ids.add(str(message_id))
            return "250 Message accepted for delivery"

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    conn.send(port)
    conn.recv()
    controller.stop()
    conn.send(
        {
            "messages": counter.messages,
            "recipients": len(counter.recipients),
            "recipients_twice": sum(1 for n in counter.recipients.values() if n > 1),
            "message_ids": len(counter.message_ids),
        }
    )


def _progress(line: str) -> None:
    print(f"  ... {line}", file=sys.stderr, flush=True)


# --- setup: the database and the audience ------------------------------------------------------------------------


def _database(pg: bool) -> None:
    """Point Django at a fresh database before it is set up."""
    scratch_database(pg=pg, pg_name=PG_DB, sqlite_path=OUT_DIR / "fanout_email.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    _progress(f"database migrated in {time.perf_counter() - started:.0f} s")


def _audience(recipients: int) -> tuple[Any, list[Any]]:
    """A merchant with a default program and ``recipients`` customers with an email and marketing consent, each
    holding a card; half read Ukrainian, half English."""
    from django.db import transaction

    from stampcard.cards.models import Card, Program
    from stampcard.core import clock
    from stampcard.core.codes import random_card_qr
    from stampcard.customers.models import Customer
    from stampcard.merchants import services as merchants_services

    started = time.perf_counter()
    with transaction.atomic():
        owner = merchants_services.staff_user_create(email="owner@bench.invalid", password=None)
        merchant = merchants_services.merchant_create(name="Bench Cafe", owner=owner, currency="UAH")
        program = Program.objects.create(merchant=merchant, name="Coffee card", is_default=True, goal=8)
        now = clock.now()
        customers = Customer.objects.bulk_create(
            Customer(
                merchant=merchant,
                name=f"Customer {i}",
                name_folded=f"customer {i}",
                email=f"c{i:06d}@bench.invalid",
                marketing_email_consent=True,
                marketing_email_consent_at=now,
                language="uk" if i % 2 else "en",
            )
            for i in range(recipients)
        )
        Card.objects.bulk_create(
            Card(
                merchant=merchant,
                program=program,
                customer=customer,
                number=f"{i:06d}",
                qr_payload=random_card_qr(),
            )
            for i, customer in enumerate(customers)
        )
    cards = list(Card.objects.filter(merchant=merchant).order_by("pk"))
    _progress(f"{recipients} customers with cards enrolled in {time.perf_counter() - started:.0f} s")
    return merchant, cards


# --- the two sides -----------------------------------------------------------------------------------------------

PARTS = {
    "en": {"subject": "Autumn menu", "text": "Pumpkin latte is back.\nCome by this week for double stamps!"},
    "uk": {"subject": "Осіннє меню", "text": "Гарбузове лате повернулося.\nЗаходьте цього тижня по подвійні штампи!"},
}


def _vouchers(merchant: Any, cards: list[Any]) -> dict[int, Any]:
    """A voucher in each card (valid for 14 days), as a campaign with a voucher issues them before its message goes
    out; returns card id -> voucher id."""
    import secrets
    from datetime import timedelta

    from django.db.models import F

    from stampcard.cards.models import Card
    from stampcard.core import clock
    from stampcard.vouchers.codes import CodeSource, random_code
    from stampcard.vouchers.models import Voucher
    from stampcard.vouchers.states import VoucherState

    started, now = time.perf_counter(), clock.now()
    codes: set[str] = set()
    while len(codes) < len(cards):
        codes.add(random_code())
    vouchers = []
    for card, code in zip(cards, sorted(codes), strict=True):
        voucher = Voucher(
            merchant=merchant,
            card=card,
            code=code,
            code_source=CodeSource.GENERATED.value,
            title="Free cookie",
            state=VoucherState.ACTIVE,
            valid_from=now,
            expires_at=now + timedelta(days=14),
        )
        voucher.public_token = secrets.token_urlsafe(24)
        vouchers.append(voucher)
    Voucher.objects.bulk_create(vouchers, batch_size=1000)
    # As the voucher's ledger line would count it: the cards' answers read their holdings (``Card.holdings_added``).
    Card.objects.filter(pk__in=[card.pk for card in cards]).update(holdings_added=F("holdings_added") + 1)
    _progress(f"{len(vouchers)} vouchers issued in {time.perf_counter() - started:.0f} s")
    return {card.pk: voucher.pk for card, voucher in zip(cards, vouchers, strict=True)}


def _campaign_message(merchant: Any, cards: list[Any], vouchers: dict[int, Any]) -> Any:
    """The campaign's message to ``cards``, started (its rounds not run yet)."""
    from django.urls import reverse

    from stampcard.campaigns.messages import services
    from stampcard.merchants.actors import Actor

    # A worker that has sent anything has its URL patterns loaded (the unsubscribe link reverses one): a one-off
    # second here, outside the timing, as in a long-running worker.
    reverse("messages:unsubscribe", args=["warm-up"])
    message = services.message_create(actor=Actor.system(merchant), channels=["email"], parts=PARTS, source="bench")
    services.message_recipients_add(message=message, cards=cards, vouchers=vouchers)
    return services.message_send_start(message=message)


def _send_campaign(message: Any, count: int) -> tuple[float, int]:
    from stampcard.campaigns.messages import sender
    from stampcard.campaigns.messages.models import Message, MessageState

    rounds = 0
    started = time.perf_counter()
    while Message.objects.filter(pk=message.pk, state=MessageState.SENDING).exists():
        sender.message_send(message_id=message.pk, seconds=3600)
        rounds += 1
        if rounds > 5:
            break  # a delivery left pending (a retry waiting): the checks say so
    seconds = time.perf_counter() - started
    _progress(f"sender: {count} emails in {seconds:.1f} s")
    return seconds, rounds


def _baseline_emails(message: Any, count: int) -> list[tuple[str, bytes]]:
    """``count`` emails as bytes, each the size of the sender's (one real delivery's email, readdressed)."""
    from stampcard.campaigns.messages import email as email_build
    from stampcard.campaigns.messages.models import MessageDelivery

    related = MessageDelivery.objects.select_related("customer", "card__program", "merchant", "voucher")
    delivery = related.filter(message=message)[0]
    delivery.address = delivery.customer.email
    built = email_build.email_build(message=message, delivery=delivery, lang="uk").message()
    emails = []
    for i in range(count):
        built.replace_header("To", f"b{i:06d}@bench.invalid")
        built.replace_header("Message-ID", f"<baseline.{i}@bench.invalid>")
        raw = built.as_bytes(linesep="\r\n")  # type: ignore[call-arg]  # Django's as_bytes takes it; SMTP wants CRLF
        emails.append((f"b{i:06d}@bench.invalid", raw))
    return emails


def _baseline(port: int, emails: list[tuple[str, bytes]]) -> tuple[float, int]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()  # connected outside the timing, as the sender's first connection is not (it is inside)

        def send_all() -> int:
            for to, raw in emails:
                smtp.sendmail(FROM, [to], raw)
            return len(emails)

        started = time.perf_counter()
        sent = send_all()
        seconds = time.perf_counter() - started
    _progress(f"baseline: {sent} smtplib sends in {seconds:.1f} s")
    return seconds, sent


# --- where the sender's time goes (--phases) --------------------------------------------------------------------

# Each phase: (module, function) of the sender wrapped with a timer for the run. What is left of the sender's time is
# the loop itself (the decisions, the bounce lookup, the heartbeat, the finish).
PHASES = {
    "claim": ("stampcard.campaigns.messages.locks", "deliveries_claim"),
    "fill": ("stampcard.campaigns.messages.sender", "_email_for"),
    "smtp": ("stampcard.campaigns.messages.email", "PreparedEmail.send_over"),
    "mark": ("stampcard.campaigns.messages.locks", "claimed_update"),
    "ledger": ("stampcard.campaigns.messages.sender", "ledger_note_sent"),
}


def _phases_timed() -> dict[str, float]:
    """Wrap each of ``PHASES`` with a timer (for the rest of the process); returns the seconds spent in each."""
    import functools
    import importlib

    spent = dict.fromkeys(PHASES, 0.0)
    for phase, (module_name, path) in PHASES.items():
        owner: Any = importlib.import_module(module_name)
        *outer, name = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args: Any, _original: Any = original, _phase: str = phase, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_phase] += time.perf_counter() - started

        setattr(owner, name, functools.wraps(original)(timed))
    return spent


# --- the run -----------------------------------------------------------------------------------------------------


def run(*, recipients: int, pg: bool, phases: bool = False, voucher: bool = False) -> dict[str, Any]:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_smtp_server, args=(child,), daemon=True)
    process.start()
    try:
        port = parent.recv()
        _database(pg)
        from django.conf import settings
        from django.db import connection
        from django.db.models import Count
        from django.test import override_settings

        from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery

        merchant, cards = _audience(recipients)
        vouchers = _vouchers(merchant, cards) if voucher else {}
        spent = _phases_timed() if phases else {}
        smtp = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            DEFAULT_FROM_EMAIL=f"Bench Cafe <{FROM}>",
            # Rounds run here, in this process: the queued task goes nowhere.
            TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
        )
        with smtp:
            message = _campaign_message(merchant, cards, vouchers)
            emails = _baseline_emails(message, recipients)
            # The baseline in two halves, just before and just after the sender: on a shared machine whose load
            # drifts during a run, both sides then see the same machine on average.
            half = recipients // 2
            before_seconds, before_sent = _baseline(port, emails[:half])
            sender_seconds, rounds = _send_campaign(message, recipients)
            after_seconds, after_sent = _baseline(port, emails[half:])
            baseline_seconds, baseline_sent = before_seconds + after_seconds, before_sent + after_sent
        states = dict(
            MessageDelivery.objects.filter(message=message).order_by().values_list("state").annotate(n=Count("pk"))
        )
        vendor = connection.vendor
        debug = settings.DEBUG
        parent.send("stop")
        counts = parent.recv()
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()

    ratio = sender_seconds / baseline_seconds if baseline_seconds else 0.0
    checks = {
        "every_delivery_sent": states.get(DeliveryState.SENT, 0) == recipients and len(states) == 1,
        "server_got_every_email": counts["messages"] == 2 * recipients,
        "each_recipient_once": counts["recipients"] == 2 * recipients and counts["recipients_twice"] == 0,
        "distinct_message_ids": counts["message_ids"] == 2 * recipients,
    }
    return {
        "recipients": recipients,
        "database": vendor,
        "voucher": voucher,
        "debug": debug,
        "sender_seconds": round(sender_seconds, 3),
        "baseline_seconds": round(baseline_seconds, 3),
        "ratio": round(ratio, 2),
        "sender_per_s": round(recipients / sender_seconds, 1) if sender_seconds else 0.0,
        "baseline_per_s": round(recipients / baseline_seconds, 1) if baseline_seconds else 0.0,
        "baseline_halves_seconds": [round(before_seconds, 3), round(after_seconds, 3)],
        "sender_rounds": rounds,
        "sender_ms_per_email": {phase: round(1000 * seconds / recipients, 3) for phase, seconds in spent.items()},
        "baseline_sent": baseline_sent,
        "deliveries": states,
        "smtp_server": counts,
        "checks": checks,
        "cpus": os.cpu_count(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000, help="customers the campaign goes to (10000)")
    parser.add_argument("--pg", action="store_true", help=f"PostgreSQL ({PG_DB} on BENCH_PG_URL) instead of SQLite")
    parser.add_argument(
        "--voucher", action="store_true", help="a voucher in each recipient's email (its code, link and expiry)"
    )
    parser.add_argument(
        "--phases", action="store_true", help="time the sender's phases (claim, fill, smtp, mark, ledger) per email"
    )
    args = parser.parse_args(argv)
    if args.recipients < 1:
        parser.error("--recipients must be at least 1")
    report = run(recipients=args.recipients, pg=args.pg, phases=args.phases, voucher=args.voucher)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "fanout_email.json").write_text(json.dumps(report, indent=2))
    with_voucher = ", a voucher each" if report["voucher"] else ""
    print(
        f"fanout (email): one campaign to {report['recipients']} recipients{with_voucher}, "
        f"{report['database']} database"
    )
    print(
        f"  sender   {report['sender_seconds']:8.2f} s ({report['sender_per_s']:7.0f} emails/s)   "
        f"baseline (smtplib, one connection) {report['baseline_seconds']:8.2f} s "
        f"({report['baseline_per_s']:7.0f} emails/s)   ratio {report['ratio']:.2f} x"
    )
    if report["sender_ms_per_email"]:
        phases = report["sender_ms_per_email"]
        rest = 1000 * report["sender_seconds"] / report["recipients"] - sum(phases.values())
        baseline_ms = 1000 * report["baseline_seconds"] / report["recipients"]
        print(
            "  sender per email (ms): "
            + ", ".join(f"{phase} {ms:.3f}" for phase, ms in phases.items())
            + f", the rest {rest:.3f}; baseline per email {baseline_ms:.3f}"
        )
    failed = [name for name, ok in report["checks"].items() if not ok]
    verdict = "all passed" if not failed else "FAILED " + ", ".join(failed)
    print(f"  target: within 2x of the baseline: {'met' if report['ratio'] <= 2 else 'NOT met'}")
    print(
        f"  checks: {verdict}; load average at start {report['load_average_at_start']}, "
        f"at end {report['load_average_at_end']} ({report['cpus']} CPUs)"
    )
    print(f"  written to {OUT_DIR / 'fanout_email.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
