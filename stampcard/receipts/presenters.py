"""Receipt claims -> API payloads (plain dicts validated by ``receipts.schemas``)."""

import base64
from typing import Any

from django.conf import settings
from django.urls import reverse

from stampcard.core import clock
from stampcard.receipts import images
from stampcard.receipts.models import ReceiptToken


def claim_path(token: str) -> str:
    return reverse("receipts:claim", kwargs={"token": token})


def claim_url(token: str) -> str:
    """``{BASE_URL}/r/<token>``: what the receipt's QR encodes."""
    return settings.BASE_URL + claim_path(token)


def claim_urls(token: str) -> dict[str, str]:
    def url(name: str) -> str:
        return settings.BASE_URL + reverse(name, kwargs={"token": token})

    return {
        "page": claim_url(token),
        "qr_svg": url("receipts:qr-svg"),
        "qr_png_58": url("receipts:qr-png-58"),
        "qr_png_80": url("receipts:qr-png-80"),
    }


def receipt_payload(claim: ReceiptToken, *, token: str, replayed: bool = False) -> dict[str, Any]:
    url = claim_url(token)
    png = images.receipt_png(url, paper="58")
    check = claim.check_ref if claim.check_ref_id else None
    return {
        "token": token,
        "code": claim.code,
        "state": claim.state_at(clock.now()).value,
        "claim_url": url,
        "qr_svg": images.receipt_svg(url),
        "qr_png": "data:image/png;base64," + base64.b64encode(png).decode(),
        "urls": claim_urls(token),
        "expires_at": claim.expires_at,
        "stamps": claim.stamps,
        "program_id": str(claim.program_id),
        "location_id": str(claim.location_id) if claim.location_id else None,
        "check": {
            "pos": claim.pos,
            "external_id": claim.external_id,
            "total": claim.total,
            "currency": claim.currency,
            "closed_at": claim.closed_at,
            "state": check.state if check is not None else None,
        },
        "created_at": claim.created_at,
        "claimed_at": claim.claimed_at,
        "card": claim.card.number if claim.card_id and claim.card else None,
        "voided_at": claim.voided_at,
        "void_reason": claim.void_reason or None,
        "replayed": replayed,
    }


def claim_ref_payload(claim: ReceiptToken) -> dict[str, Any]:
    return {
        "code": claim.code,
        "state": claim.state_at(clock.now()).value,
        "voided": claim.voided_at is not None,
        "void_reason": claim.void_reason or None,
        "voided_at": claim.voided_at,
    }


def unclaimed_reversal_payload(*, claim: ReceiptToken, replayed: bool) -> dict[str, Any]:
    """The answer to ``POST /checkouts/{external_id}/reverse`` for a check that was only an unclaimed receipt claim:
    no stamp was ever given, so none is reversed; the claim is voided instead."""
    return {
        "stamps_reversed": 0,
        "stamps_not_reversed": 0,
        "rewards_withdrawn": [],
        "rewards_kept": [],
        "card": None,
        "replayed": replayed,
        "receipt_claim": claim_ref_payload(claim),
    }
