"""An audience rule compiled to one queryset of the merchant's cards.

Every segment is a ``Q`` on ``cards.Card`` (a subquery where it needs another table), so AND/OR is ``&``/``|`` and
the whole audience is one SQL statement: counting it is one query, whatever the tree. Always left out: cards closed
by a merge and customers whose data was erased.

Indexes the segments lean on: the card directory's ``(merchant, coalesce(last_stamp_at, created_at))`` for recency,
the ledger's ``(card, id)`` and ``(card, location) where kind = stamp`` for visits and the last location, the
vouchers' card foreign key, the wallets' one-to-one card columns.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThan

from stampcard.campaigns.audiences.rules import Platform, Segment
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.core import clock
from stampcard.customers.languages import merchant_language
from stampcard.merchants.models import Merchant
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.states import OPEN_STATES
from stampcard.wallet.apple.models import AppleRegistration
from stampcard.wallet.google.models import GoogleObject


def _stamps(card_ref: Any) -> QuerySet[CardEvent]:
    return CardEvent.objects.filter(card=card_ref, kind=EventKind.STAMP)


def _segment(node: dict[str, Any], *, merchant: Merchant, now: datetime) -> Q:
    kind = node["segment"]
    if kind == Segment.PROGRAM:
        return Q(program_id=node["program"])
    if kind == Segment.LAST_LOCATION:
        # Per card, the newest stamp line from the ledger's (card, id) index, read backwards.
        last = _stamps(OuterRef("pk")).order_by("-id").values("location_id")[:1]
        return Q(Exact(Subquery(last), node["location"]))
    if kind == Segment.STAMPS_TO_GOAL:
        # The card's own rules decide how far the reward is: its program version's goal, else (a card from before
        # versions) its program's. Two branches of an OR, so the join to the version stays an outer one.
        def near(goal: F) -> Q:
            return Q(stamps__lt=goal, stamps__gte=goal - node["at_most"])

        return (Q(program_version__isnull=False) & near(F("program_version__goal"))) | (
            Q(program_version__isnull=True) & near(F("program__goal"))
        )
    if kind == Segment.LAST_VISIT:
        # Written on the directory index's expression, coalesce(last_stamp_at, created_at), so that the index
        # (merchant, that expression) answers it; never stamped counts as "not since it joined".
        last_seen = Coalesce("last_stamp_at", "created_at")
        if "within_days" in node:
            cutoff = now - timedelta(days=node["within_days"])
            return Q(GreaterThanOrEqual(last_seen, cutoff)) & Q(last_stamp_at__isnull=False)
        return Q(LessThan(last_seen, now - timedelta(days=node["more_than_days"])))
    if kind == Segment.VISITS:
        # One pass over the merchant's recent stamp lines (the ledger's (merchant, created_at) index), grouped by card.
        since = now - timedelta(days=node["days"])
        frequent = (
            CardEvent.objects.filter(merchant=merchant, kind=EventKind.STAMP, created_at__gte=since)
            .order_by()
            .values("card_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=node["at_least"])
            .values("card_id")
        )
        return Q(pk__in=frequent)
    if kind == Segment.OPEN_VOUCHERS:
        usable = Voucher.objects.filter(card=OuterRef("pk"), state__in=OPEN_STATES).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )
        return Q(Exists(usable))
    if kind == Segment.BIRTHDAY_THIS_MONTH:
        return Q(customer__birthday__month=now.astimezone(merchant.tz).month)
    if kind == Segment.WALLET:
        apple = Q(Exists(AppleRegistration.objects.filter(apple_pass__card=OuterRef("pk"))))
        google = Q(Exists(GoogleObject.objects.filter(card=OuterRef("pk"))))
        if node["platform"] == Platform.APPLE:
            return apple
        if node["platform"] == Platform.GOOGLE:
            return google
        return ~apple & ~google
    if kind == Segment.LANGUAGE:
        language = node["language"]
        # A customer from before languages were remembered reads the merchant's language.
        if language == merchant_language(merchant):
            return Q(customer__language=language) | Q(customer__language="")
        return Q(customer__language=language)
    if kind == Segment.CONSENT:
        return Q(customer__marketing_email_consent=node["marketing_email"])
    raise ValueError(f"unknown segment {kind!r}")  # rule_clean lets none through


def rule_q(rule: dict[str, Any], *, merchant: Merchant, now: datetime) -> Q:
    """``rule`` (as ``rules.rule_clean`` left it) as a ``Q`` on Card. An empty group matches everything."""
    if "segment" in rule:
        return _segment(rule, merchant=merchant, now=now)
    parts = [rule_q(child, merchant=merchant, now=now) for child in rule.get("rules", [])]
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = (combined & part) if rule.get("match", "all") == "all" else (combined | part)
    return combined


def audience_cards(*, merchant: Merchant, rule: dict[str, Any], now: datetime | None = None) -> QuerySet[Card]:
    """The cards of ``merchant`` that ``rule`` selects: open cards of customers not erased."""
    return Card.objects.filter(
        rule_q(rule, merchant=merchant, now=now or clock.now()),
        merchant=merchant,
        merged_into__isnull=True,
        customer__erased_at__isnull=True,
    )


def audience_count(*, merchant: Merchant, rule: dict[str, Any]) -> int:
    """How many cards the rule selects now (one COUNT query)."""
    return audience_cards(merchant=merchant, rule=rule).order_by().count()
