"""Reads for receipt claims. The customer page reaches a claim by its token (the credential, so no merchant is
needed); the POS API reaches one by token or printed code, always within its own merchant."""

from django.db.models import QuerySet

from stampcard.merchants.models import Merchant
from stampcard.receipts import errors, tokens
from stampcard.receipts.models import ReceiptToken


def _with_relations(qs: "QuerySet[ReceiptToken]") -> "QuerySet[ReceiptToken]":
    return qs.select_related("merchant", "program", "location", "card", "check_ref")


def receipt_get_by_token(*, token: str) -> ReceiptToken:
    """The claim behind a scanned QR. Raises ReceiptNotFound (also for anything that cannot be a token)."""
    token = (token or "").strip()
    claim = (
        _with_relations(ReceiptToken.objects.filter(token_hash=tokens.token_hash(token))).first()
        if tokens.looks_like_token(token)
        else None
    )
    if claim is None:
        raise errors.ReceiptNotFound()
    return claim


def receipt_get(*, merchant: Merchant, ref: str) -> ReceiptToken:
    """A claim of this merchant by its token or its printed code (any case, dashes and spaces ignored).

    Raises ReceiptNotFound for unknown references and other merchants' claims alike."""
    ref = (ref or "").strip()
    qs = ReceiptToken.objects.filter(merchant=merchant)
    if tokens.looks_like_token(ref):
        qs = qs.filter(token_hash=tokens.token_hash(ref))
    elif (code := tokens.normalize_code(ref)) is not None:
        qs = qs.filter(code=code)
    else:
        raise errors.ReceiptNotFound()
    claim = _with_relations(qs).first()
    if claim is None:
        raise errors.ReceiptNotFound()
    return claim


def receipt_find_for_check(*, merchant: Merchant, pos: str, external_id: str) -> ReceiptToken | None:
    return _with_relations(ReceiptToken.objects.filter(merchant=merchant, pos=pos, external_id=external_id)).first()
