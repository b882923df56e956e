"""Reads for cards and programs."""

import functools
import uuid
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from stampcard.cards import counts
from stampcard.cards.models import Card, CardEvent, Check, EventKind, Program, ProgramVersion
from stampcard.core import rawsql
from stampcard.core.codes import looks_like_card_number, looks_like_card_qr
from stampcard.core.errors import NotFound, ValidationFailed
from stampcard.core.text import fold
from stampcard.customers.models import Customer
from stampcard.merchants.models import Merchant


def program_get(*, merchant: Merchant, program_id: str | uuid.UUID | None = None) -> Program:
    """A program of this merchant, or its default program when no id is given."""
    qs = Program.objects.filter(merchant=merchant, is_active=True)
    try:
        program = qs.get(pk=uuid.UUID(str(program_id))) if program_id else qs.filter(is_default=True).first()
    except (ValueError, Program.DoesNotExist):
        program = None
    if program is None:
        raise NotFound(code="program_not_found")
    return program


def card_queryset_for_ref(merchant: Merchant, ref: str) -> "QuerySet[Card]":
    """Cards matching a six-digit number or a QR payload (anything else matches nothing).

    A card closed by a merge of duplicate customers (``Card.merged_into``) answers with the card it was merged into:
    an old pass, a screenshot or a number on a receipt keeps working, and nothing lands on the closed card.
    """
    ref = (ref or "").strip()
    qs = Card.objects.filter(merchant=merchant)
    if looks_like_card_number(ref):
        matched = qs.filter(number=ref)
    elif looks_like_card_qr(ref):
        matched = qs.filter(qr_payload=ref.upper())
    else:
        return qs.none()
    # One indexed subquery: the matched card itself, or its survivor (``merged_into`` always names an open card: a
    # merge points the cards merged into a card it closes at the new survivor).
    return qs.filter(pk__in=matched.values(target=Coalesce("merged_into_id", "pk")))


def card_get(*, merchant: Merchant, ref: str) -> Card:
    """The card of a six-digit number or QR payload (its survivor for a merged one), with its rules, program and
    customer loaded. Raises NotFound for anything else, other tenants' cards included."""
    card = card_fetch(merchant=merchant, ref=ref, with_program=True)
    if card is None:
        raise NotFound(code="card_not_found")
    return card


def card_fetch(
    *,
    merchant: Merchant,
    ref: str | None = None,
    card_id: int | None = None,
    lock: bool = False,
    with_program: bool = False,
) -> Card | None:
    """One card of this merchant by id, or by number or QR payload as ``card_queryset_for_ref`` matches them (the
    survivor of a merged card), with its version of the rules and its customer loaded (and its program when
    ``with_program``); ``lock`` takes its row lock (``cards.locks.card_lock``). None when nothing matches.

    Every checkout, preview and card answer starts here, so the statement is written once per process rather than
    compiled by the ORM on each call (``core.rawsql``); ``tests/checkouts/test_card_fetch.py`` holds it to the
    queryset's answers."""
    value: int | str
    if card_id is not None:
        by, value = "id", card_id
    else:
        ref = (ref or "").strip()
        if looks_like_card_number(ref):
            by, value = "number", ref
        elif looks_like_card_qr(ref):
            by, value = "qr_payload", ref.upper()
        else:
            return None
    using = router.db_for_write(Card) if lock else router.db_for_read(Card)
    connection = connections[using]
    merchant_id = Card._meta.get_field("merchant").get_db_prep_value(merchant.pk, connection)
    params = (merchant_id, value) if by == "id" else (merchant_id, merchant_id, value)
    with connection.cursor() as cursor:
        cursor.execute(
            _card_fetch_sql(using, by, lock and connection.features.has_select_for_update, with_program), params
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return _card_from_row(row, using, with_program)


@functools.lru_cache(maxsize=32)
def _card_fetch_sql(using: str, by: str, lock: bool, with_program: bool) -> str:
    q = functools.partial(rawsql.qn, using)
    joined = [(ProgramVersion, "v", "program_version_id", "LEFT OUTER"), (Customer, "u", "customer_id", "INNER")]
    if with_program:
        joined.append((Program, "p", "program_id", "INNER"))
    columns = ", ".join(
        rawsql.select_columns(model, using, alias) for model, alias, _fk, _how in [(Card, "c", "", "")] + joined
    )
    joins = " ".join(
        f"{how} JOIN {rawsql.table(model, using)} {alias} ON {alias}.{q('id')} = c.{q(fk)}"
        for model, alias, fk, how in joined
    )
    if by == "id":
        match = f"c.{q('id')} = %s"
    else:
        # The matched card itself, or its survivor (``merged_into`` always names an open card).
        match = (
            f"c.{q('id')} = (SELECT COALESCE(m.{q('merged_into_id')}, m.{q('id')}) FROM {rawsql.table(Card, using)} m"
            f" WHERE m.{q('merchant_id')} = %s AND m.{q(by)} = %s)"
        )
    lock_clause = " FOR UPDATE OF c" if lock else ""
    cards = rawsql.table(Card, using)
    return f"SELECT {columns} FROM {cards} c {joins} WHERE c.{q('merchant_id')} = %s AND {match}{lock_clause}"


def _card_from_row(row: tuple[Any, ...], using: str, with_program: bool) -> Card:
    split = [rawsql.column_count(Card)]
    split.append(split[-1] + rawsql.column_count(ProgramVersion))
    split.append(split[-1] + rawsql.column_count(Customer))
    card = rawsql.instance(Card, row[: split[0]], using)
    version_values = row[split[0] : split[1]]
    # A card without a version (its program's current rules) has a row of NULLs from the outer join.
    version = None if version_values[0] is None else rawsql.instance(ProgramVersion, version_values, using)
    Card.program_version.field.set_cached_value(card, version)
    Card.customer.field.set_cached_value(card, rawsql.instance(Customer, row[split[1] : split[2]], using))
    if with_program:
        program = rawsql.instance(Program, row[split[2] : split[2] + rawsql.column_count(Program)], using)
        Card.program.field.set_cached_value(card, program)
    return card


def customer_email_is(*, merchant: Merchant, email: str) -> Q:
    """Cards whose customer has ``email`` (lower-cased): the condition the unique (merchant, email) index serves.

    That index is partial (``email <> ''``); the planner uses it only when the query names the customer's merchant
    and repeats the predicate, else it reads every customer (0.2 s at a million)."""
    return Q(customer__merchant=merchant, customer__email=email) & ~Q(customer__email="")


def customer_phone_is(*, merchant: Merchant, digits: str) -> Q:
    """Cards whose customer's phone is ``digits`` (the unique partial (merchant, phone) index, as above) or ends with
    them without the "+" (the phone's trigram index on PostgreSQL)."""
    exact = Q(customer__merchant=merchant, customer__phone=digits) & ~Q(customer__phone="")
    return exact | Q(customer__phone__endswith=digits.lstrip("+"))


def card_identify(*, merchant: Merchant, query: str) -> list[Card]:
    """Find cards by QR payload, six-digit number, email, phone or name.

    Name search is case- and accent-insensitive, matches every word the cashier typed, and returns at most one page
    of candidates, most recently active first.
    """
    query = " ".join((query or "").split())
    if len(query) < 2:
        raise ValidationFailed(code="query_too_short", field="q")
    page = settings.STAMPCARD["NAME_SEARCH_PAGE_SIZE"]
    if looks_like_card_number(query) or looks_like_card_qr(query):
        return list(card_queryset_for_ref(merchant, query).select_related("program", "program_version", "customer"))
    if "@" in query:
        condition = customer_email_is(merchant=merchant, email=query.lower())
    elif (digits := query.replace(" ", "").replace("-", "")).lstrip("+").isdigit() and len(digits) >= 7:
        condition = customer_phone_is(merchant=merchant, digits=digits)
    else:
        condition = Q()
        for word in fold(query).split():
            condition &= Q(customer__name_folded__contains=word)
    # One customer may hold cards of several programs, and one phone tail may match several customers.
    candidates = (
        Card.objects.filter(merchant=merchant, merged_into__isnull=True)
        .filter(condition)
        .select_related("program", "program_version", "customer")
    )
    return list(candidates.order_by(F("last_stamp_at").desc(nulls_last=True), "-created_at", "pk")[:page])


def check_find(*, merchant_id: uuid.UUID, pos: str, external_id: str) -> Check | None:
    """The check a POS knows by ``external_id``, once stamped onto a card; None while it is not."""
    return Check.objects.filter(merchant_id=merchant_id, pos=pos, external_id=external_id).first()


def check_is_stamped(*, merchant_id: uuid.UUID, pos: str, external_id: str) -> bool:
    """Was this check already committed to a card (by any channel)? The same receipt never stamps twice.

    Every preview asks: the statement is written once per process (``core.rawsql``), not compiled per call."""
    using = router.db_for_read(Check)
    connection = connections[using]
    merchant = Check._meta.get_field("merchant").get_db_prep_value(merchant_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(_check_stamped_sql(using), (merchant, pos, external_id))
        return cursor.fetchone() is not None


@functools.lru_cache(maxsize=8)
def _check_stamped_sql(using: str) -> str:
    q = functools.partial(rawsql.qn, using)
    return (
        f"SELECT 1 FROM {rawsql.table(Check, using)} WHERE {q('merchant_id')} = %s AND {q('pos')} = %s"
        f" AND {q('external_id')} = %s LIMIT 1"
    )


def check_get(*, merchant: Merchant, pos: str, external_id: str) -> Check:
    check = check_find(merchant_id=merchant.pk, pos=pos, external_id=external_id)
    if check is None:
        raise NotFound(code="check_not_found", external_id=external_id)
    return check


def ledger_reward_ids(*, check: Check, kind: EventKind) -> list[str]:
    """The ids of the rewards that ledger lines of ``kind`` on this check name (e.g. those its reversal withdrew)."""
    return list(CardEvent.objects.filter(check_ref=check, kind=kind).values_list("payload__reward_id", flat=True))


def program_list(*, merchant: Merchant) -> "QuerySet[Program]":
    """The merchant's programs, active first, each with ``cards_open`` (read from the counts, not counted: a
    program of a million cards lists as fast as an empty one)."""
    return (
        Program.objects.filter(merchant=merchant)
        .annotate(cards_open=counts.program_cards_open())
        .order_by("-is_active", "-is_default", "name", "pk")
    )


def program_cards_outdated_count(*, program: Program) -> int:
    """Cards of the program that follow an older version of its rules (regenerating would move them)."""
    return (
        Card.objects.filter(program=program)
        .filter(Q(program_version__isnull=True) | Q(program_version__number__lt=program.version))
        .count()
    )


def program_version_list(*, program: Program) -> "QuerySet[ProgramVersion]":
    """The program's versions, newest first, with who made them."""
    return ProgramVersion.objects.filter(program=program).select_related("created_by").order_by("-number")
