"""Likely duplicate customers of one merchant: the same normalised email, the same phone, or the same name.

Email and phone are unique per merchant as stored, so duplicates hide behind spellings of one address: the tag after
"+" and, for Gmail, the dots of the local part ("olena.k+cafe@gmail.com" is "olenak@gmail.com"); a phone typed with a
different country prefix ends in the same nine digits. Names match on their folded form (case and accents ignored).

Each key is computed by the database and grouped there (``GROUP BY key HAVING COUNT(*) > 1``), so finding the groups
is one query per kind of key and never compares customers pairwise in Python; the customers of the groups found are
then loaded in one more query. Customers already merged or erased are left out.
"""

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Left, Length, Replace, Right, StrIndex, Substr

from stampcard.customers.models import Customer
from stampcard.merchants.models import Merchant

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class DupKey(TypedDict):
    """The annotation ``_keyed`` adds: the normalised email, phone tail or folded name customers are grouped by."""

    dup_key: str


PHONE_TAIL = 9  # the national significant number of a Ukrainian mobile; long enough to be telling elsewhere
GROUP_LIMIT = 100  # groups per kind of key on one page: a merchant works through them a few at a time
_GMAIL = ("gmail.com", "googlemail.com")


@dataclass
class DuplicateGroup:
    reason: str  # "email", "phone" or "name"
    key: str
    customers: list[Customer] = field(default_factory=list)


def _live(merchant: Merchant) -> "QuerySet[Customer]":
    return Customer.objects.filter(merchant=merchant, merged_into__isnull=True, erased_at__isnull=True)


def email_key() -> Any:
    """The normalised email as a database expression: no "+tag", Gmail without dots and with one domain."""
    at = StrIndex("email", Value("@"))
    local = Left("email", at - 1)
    domain = Substr("email", at + 1)
    plus = StrIndex(local, Value("+"))
    untagged = Case(When(Q(email__contains="+"), then=Left(local, plus - 1)), default=local, output_field=CharField())
    gmail = Q(email__iendswith="@gmail.com") | Q(email__iendswith="@googlemail.com")
    return Case(
        When(gmail, then=Concat(Replace(untagged, Value("."), Value("")), Value("@gmail.com"))),
        default=Concat(untagged, Value("@"), domain),
        output_field=CharField(),
    )


def normalise_email(email: str) -> str:
    """``email_key`` in Python, for one address (tests and the preview)."""
    local, _, domain = email.lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        return local.replace(".", "") + "@gmail.com"
    return f"{local}@{domain}"


def _keyed(merchant: Merchant, reason: str) -> "QuerySet[WithAnnotations[Customer, DupKey]]":
    """The merchant's live customers annotated with ``dup_key``, their key for ``reason``."""
    qs = _live(merchant)
    if reason == "email":
        return qs.exclude(email="").annotate(dup_key=email_key())
    if reason == "phone":
        return (
            qs.annotate(phone_length=Length("phone"))
            .filter(phone_length__gte=PHONE_TAIL)
            .annotate(dup_key=Right("phone", PHONE_TAIL))
        )
    return qs.exclude(name_folded="").annotate(dup_key=F("name_folded"))


def duplicate_groups(*, merchant: Merchant, customer_id: uuid.UUID | None = None) -> list[DuplicateGroup]:
    """The groups of likely duplicates, by email, then phone, then name; within a group the oldest customer first.

    With ``customer_id``, only the groups that customer is in (the "Merge with…" page of one customer). A pair found
    by more than one key is listed once, under the first.
    """
    groups: list[DuplicateGroup] = []
    for reason in ("email", "phone", "name"):
        keyed = _keyed(merchant, reason)
        if customer_id is not None:
            own = list(keyed.filter(pk=customer_id).values_list("dup_key", flat=True))
            keyed = keyed.filter(dup_key__in=own)
        keys = list(
            keyed.order_by()
            .values("dup_key")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .order_by("dup_key")
            .values_list("dup_key", flat=True)[:GROUP_LIMIT]
        )
        if not keys:
            continue
        by_key: dict[str, DuplicateGroup] = {key: DuplicateGroup(reason=reason, key=key) for key in keys}
        for customer in keyed.filter(dup_key__in=keys).order_by("created_at", "pk"):
            by_key[customer.dup_key].customers.append(customer)
        groups.extend(by_key.values())
    return _without_repeats(groups)


def _without_repeats(groups: list[DuplicateGroup]) -> list[DuplicateGroup]:
    seen: set[frozenset[uuid.UUID]] = set()
    kept = []
    for group in groups:
        members = frozenset(c.pk for c in group.customers)
        if members in seen:
            continue
        seen.add(members)
        kept.append(group)
    return kept
