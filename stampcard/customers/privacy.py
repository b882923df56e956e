"""A customer's data rights: everything we hold about them as JSON, and the erasure of their personal data.

Customers sits low in the layers, under cards, vouchers, the wallets and the channels whose rows point at a customer
or a card. So the export and the erasure find those rows through the model relations (every table with a foreign key
to the customer, to one of its cards, or to a row that extends a card one-to-one, like a wallet pass): a table added
later is exported and scrubbed without a change here. What only a layer above knows how to do (a card's links, its
wallet passes) it does as an ``erase_followers`` hook, registered when its app is ready and run inside the erase
transaction, like ``cards.changes.follower``.

Erasure keeps the rows (the ledger is append-only and the analytics count it) and removes what identifies the
person: the profile fields are blanked, and every text of the related rows that quotes the name, email or phone is
replaced. ``Customer.erased_at`` is the fact the wallets read to void a pass.
"""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.errors import NotFound
from stampcard.core.text import fold
from stampcard.customers.models import Customer, CustomerErasure
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.merchants.services import ensure_role

ERASED_NAME = "—"  # what an erased customer is called wherever a name must be shown
ERASED_TEXT = "[erased]"

# Run in the erase transaction, after the customer row is locked and before its fields are blanked. Set by the apps
# above (cards: links and the wallet change; see ``cards.apps``).
erase_followers: list[Callable[[Customer], object]] = []

# Fields that are credentials or their digests: never exported (a copy of a bearer token in a download is a leak).
_SECRET_MARKERS = ("token", "digest", "sealed", "secret", "password", "qr_payload", "_hash")

# Free text shorter than this is not searched for: a two-letter name would scrub unrelated words.
_MIN_NEEDLE = 3

# Identifiers, not prose: a short name found inside a voucher code or a check's id must not break the code.
_IDENTIFIER_FIELDS = {"code", "number", "external_id", "serial_number", "object_id", "device_library_identifier"}


def customer_data_export(*, actor: Actor, customer: Customer, by_customer: bool = False) -> dict[str, Any]:
    """Everything held about ``customer``: the profile with its consents and every row that points at them or their
    cards, JSON-able. Owners and managers of the customer's merchant only (RoleForbidden, NotFound), or
    ``by_customer``: the customer themselves, whose request the caller confirmed (``public.datarights``)."""
    _ensure_allowed(actor=actor, customer=customer, by_customer=by_customer)
    records: dict[str, list[dict[str, Any]]] = {}
    for label, rows in _related_rows(customer):
        records.setdefault(label, []).extend(_row_dict(row) for row in rows)
    data = {
        "exported_at": clock.now(),
        "merchant": {"id": customer.merchant_id, "name": customer.merchant.name},
        "profile": {
            "id": customer.pk,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "birthday": customer.birthday,
            "language": customer.language,
            "created_at": customer.created_at,
            "erased_at": customer.erased_at,
        },
        "consents": {
            "marketing_email": customer.marketing_email_consent,
            "marketing_email_at": customer.marketing_email_consent_at,
            "terms_accepted_at": customer.terms_accepted_at,
        },
        "records": records,
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def customer_erase(*, actor: Actor, customer: Customer, by_customer: bool = False) -> CustomerErasure:
    """Erase the personal data of ``customer``; idempotent (a second call returns the first erasure).

    The customer row is locked first, so a stamp or an edit running at the same time either finishes before (and is
    scrubbed) or waits and finds the customer erased. Raises RoleForbidden or NotFound; ``by_customer`` as for the
    export.
    """
    _ensure_allowed(actor=actor, customer=customer, by_customer=by_customer)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.erased_at is not None:
            return CustomerErasure.objects.get(customer=locked)
        needles = _personal_values(locked)
        for follower in erase_followers:
            follower(locked)
        for _label, rows in _related_rows(locked):
            for row in rows:
                _scrub(row, needles)
        now = clock.now()
        Customer.objects.filter(pk=locked.pk).update(
            name=ERASED_NAME,
            name_folded=fold(ERASED_NAME),
            email="",
            phone="",
            birthday=None,
            birthday_set_at=None,
            marketing_email_consent=False,
            marketing_email_consent_at=None,
            erased_at=now,
        )
        erasure = CustomerErasure.objects.create(
            merchant_id=locked.merchant_id, customer=locked, erased_by=actor.user, channel=actor.channel
        )
    customer.refresh_from_db()
    return erasure


def personal_values_of(customer: Customer) -> list[str]:
    """The strings that identify the customer (for tests and checks that nothing of them is left)."""
    return _personal_values(customer)


def _ensure_allowed(*, actor: Actor, customer: Customer, by_customer: bool) -> None:
    if customer.merchant_id != actor.merchant.pk:
        raise NotFound(_("No such customer."), code="customer_not_found")
    if not by_customer:
        ensure_role(actor=actor, minimum=Role.MANAGER)


def _personal_values(customer: Customer) -> list[str]:
    """The full values, then each word of the name on its own (a reason may say "Olena" without the surname)."""
    values = [customer.name, customer.name_folded, customer.email, customer.phone]
    if customer.birthday:
        values.append(customer.birthday.isoformat())
    if customer.phone.startswith("+"):
        values.append(customer.phone[1:])
    if customer.name != ERASED_NAME:
        values += re.findall(r"\w+", customer.name) + re.findall(r"\w+", customer.name_folded)
    return sorted({v for v in values if v and len(v) >= _MIN_NEEDLE and v != ERASED_NAME}, key=len, reverse=True)


def _related_rows(customer: Customer) -> Iterator[tuple[str, list[models.Model]]]:
    """(model label, rows) for every table holding rows of this customer: rows with a foreign key to the customer,
    to one of its cards, or to a row that extends a card one-to-one (a wallet pass and its devices)."""
    seen: set[tuple[str, Any]] = set()
    frontier: list[models.Model] = [customer]
    depth = 0
    while frontier and depth < 3:
        next_frontier: list[models.Model] = []
        by_model: dict[type[models.Model], list[Any]] = {}
        for row in frontier:
            by_model.setdefault(type(row), []).append(row.pk)
        for model, pks in by_model.items():
            for relation in model._meta.related_objects:
                if relation.many_to_many or not relation.field.concrete:
                    continue
                related_model = relation.related_model
                rows = list(related_model._default_manager.filter(**{f"{relation.field.name}__in": pks}).order_by("pk"))
                fresh = [r for r in rows if (related_model._meta.label_lower, r.pk) not in seen]
                if not fresh:
                    continue
                seen.update((related_model._meta.label_lower, r.pk) for r in fresh)
                yield related_model._meta.label_lower, fresh
                if _leads_further(customer, related_model, relation, depth):
                    next_frontier.extend(fresh)
        frontier, depth = next_frontier, depth + 1


def _leads_further(customer: Customer, model: type[models.Model], relation: Any, depth: int) -> bool:
    """Follow a table's own dependants only for the customer's cards and for rows that extend a card one-to-one;
    a check or a voucher is shared with other cards' rows (a bearer voucher, a receipt), which are not this
    customer's."""
    if depth == 0:
        return relation.field.name == "card" or _is_card_model(model)
    return relation.one_to_one and _is_card_model(relation.model)


def _is_card_model(model: type[models.Model]) -> bool:
    return model._meta.label_lower == "cards.card"


def _row_dict(row: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        if any(marker in field.name for marker in _SECRET_MARKERS):
            continue
        data[field.attname] = field.value_from_object(row)
    return data


def _scrub(row: models.Model, needles: list[str]) -> None:
    changes: dict[str, Any] = {}
    for field in row._meta.concrete_fields:
        if field.unique or field.name in _IDENTIFIER_FIELDS or any(m in field.name for m in _SECRET_MARKERS):
            continue
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            value = field.value_from_object(row)
            if isinstance(value, str) and (scrubbed := _scrub_text(value, needles)) != value:
                changes[field.attname] = scrubbed[: field.max_length] if field.max_length else scrubbed
        elif isinstance(field, models.JSONField):
            value = field.value_from_object(row)
            scrubbed_json = _scrub_json(value, needles)
            if scrubbed_json != value:
                changes[field.attname] = scrubbed_json
    if changes:
        # A queryset update: the ledger's rows refuse ``save`` once written, and only their text changes here.
        type(row)._default_manager.filter(pk=row.pk).update(**changes)


def _scrub_text(value: str, needles: list[str]) -> str:
    """Replace every needle, in any case; a needle that is one word only where it stands as a whole word (the name
    "Ann" leaves "Annual" alone)."""
    for needle in needles:
        pattern = re.escape(needle)
        if re.fullmatch(r"\w+", needle):
            pattern = rf"(?<!\w){pattern}(?!\w)"
        value = re.sub(pattern, ERASED_TEXT, value, flags=re.IGNORECASE)
    return value


def _scrub_json(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, needles)
    if isinstance(value, list):
        return [_scrub_json(item, needles) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_json(item, needles) for key, item in value.items()}
    return value
