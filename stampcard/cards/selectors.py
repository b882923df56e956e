"""Reads for cards and programs."""

import uuid

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from stampcard.cards.models import Card, CardEvent, Check, EventKind, Program, ProgramVersion
from stampcard.core.codes import looks_like_card_number, looks_like_card_qr
from stampcard.core.errors import NotFound, ValidationFailed
from stampcard.core.text import fold
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
    card = card_queryset_for_ref(merchant, ref).select_related("program", "program_version", "customer").first()
    if card is None:
        raise NotFound(code="card_not_found")
    return card


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
        condition = Q(customer__email=query.lower())
    elif (digits := query.replace(" ", "").replace("-", "")).lstrip("+").isdigit() and len(digits) >= 7:
        condition = Q(customer__phone=digits) | Q(customer__phone__endswith=digits.lstrip("+"))
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
    """Was this check already committed to a card (by any channel)? The same receipt never stamps twice."""
    return Check.objects.filter(merchant_id=merchant_id, pos=pos, external_id=external_id).exists()


def check_get(*, merchant: Merchant, pos: str, external_id: str) -> Check:
    check = check_find(merchant_id=merchant.pk, pos=pos, external_id=external_id)
    if check is None:
        raise NotFound(code="check_not_found", external_id=external_id)
    return check


def ledger_reward_ids(*, check: Check, kind: EventKind) -> list[str]:
    """The ids of the rewards that ledger lines of ``kind`` on this check name (e.g. those its reversal withdrew)."""
    return list(CardEvent.objects.filter(check_ref=check, kind=kind).values_list("payload__reward_id", flat=True))


def program_list(*, merchant: Merchant) -> "QuerySet[Program]":
    """The merchant's programs, active first, each with ``cards_issued``."""
    return (
        Program.objects.filter(merchant=merchant)
        .annotate(cards_issued=Count("cards"))
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
