"""Vouchers a manager makes by hand: one into a customer's card, or a batch of bearer vouchers for print.

Both go through ``services.voucher_issue`` (codes, validity, metering, the card's ledger line); what they add is the
role check that the API route does for its callers, so the panel and any other staff channel get it too.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stampcard.cards.models import Card
from stampcard.core.benefit import Benefit
from stampcard.core.validity import Validity
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.merchants.services import ensure_role
from stampcard.vouchers import errors, services
from stampcard.vouchers.models import BatchPurpose, Voucher, VoucherBatch

MAX_BATCH = services.MAX_COUNT


@transaction.atomic
def voucher_issue_to_card(
    *,
    actor: Actor,
    card: Card,
    title: str,
    description: str = "",
    validity: Validity | None = None,
    benefit: Benefit | None = None,
) -> Voucher:
    """Issue one voucher into ``card`` (manager or owner; RoleForbidden below). The card must be the actor's
    merchant's (NotFound otherwise, through the card's lock). Counts one card operation."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    (voucher,) = services.voucher_issue(
        actor=actor, card=card, title=title, description=description, validity=validity, benefit=benefit
    )
    return voucher


@transaction.atomic
def voucher_batch_issue(
    *,
    actor: Actor,
    name: str,
    count: int,
    title: str,
    description: str = "",
    validity: Validity | None = None,
    purpose: BatchPurpose = BatchPurpose.OTHER,
    benefit: Benefit | None = None,
) -> VoucherBatch:
    """Make a batch of ``count`` bearer vouchers (1 to MAX_BATCH), each with its own generated code and public link
    (manager or owner). Counts ``count`` card operations; PlanLimitReached writes nothing."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise errors.VoucherInvalidInput(_("Give the batch a name of 1 to 100 characters."), field="name")
    vouchers = services.voucher_issue(
        actor=actor,
        title=title,
        description=description,
        validity=validity,
        count=count,
        batch_name=name,
        batch_purpose=purpose,
        benefit=benefit,
    )
    batch = vouchers[0].batch
    assert batch is not None  # a free-standing issue with a batch name always makes its batch
    return batch
