"""Vouchers -> API payloads (DESIGN.md §5 ``<voucher>``)."""

from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format

from stampcard.core import clock
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.models import Voucher, VoucherBatch
from stampcard.vouchers.states import effective_state


def voucher_page_url(voucher: Voucher) -> str:
    """The voucher's public page (its code, QR and barcode for the cashier)."""
    return settings.BASE_URL + reverse("voucher-page", kwargs={"token": voucher.public_token})


def voucher_urls(voucher: Voucher) -> dict[str, str]:
    token = voucher.public_token

    def url(name: str) -> str:
        return settings.BASE_URL + reverse(name, kwargs={"token": token})

    return {
        "page": voucher_page_url(voucher),
        "qr_svg": url("voucher-qr-svg"),
        "qr_png": url("voucher-qr-png"),
        "barcode_svg": url("voucher-barcode-svg"),
        "barcode_png": url("voucher-barcode-png"),
        "page_qr_svg": url("voucher-page-qr-svg"),
    }


def voucher_payload(voucher: Voucher) -> dict[str, Any]:
    """``state`` is the state now (a voucher past its expiry reads ``expired`` before the job records it)."""
    return {
        "id": str(voucher.pk),
        "code": voucher.code,
        "code_display": format_code(voucher.code),
        "code_source": voucher.code_source,
        "state": effective_state(
            state=voucher.state, valid_from=voucher.valid_from, expires_at=voucher.expires_at, now=clock.now()
        ).value,
        "title": voucher.title,
        "description": voucher.description,
        "benefit": voucher.benefit.as_spec(),
        "card": voucher.card.number if voucher.card_id is not None and voucher.card else None,
        "reward_id": str(voucher.reward_id) if voucher.reward_id else None,
        "batch_id": str(voucher.batch_id) if voucher.batch_id else None,
        "valid_from": voucher.valid_from,
        "expires_at": voucher.expires_at,
        "redeemed_at": voucher.redeemed_at,
        "discount": voucher.redeemed_discount,
        "cancelled_at": voucher.cancelled_at,
        "created_at": voucher.created_at,
        "urls": voucher_urls(voucher),
    }


def batch_payload(batch: VoucherBatch) -> dict[str, Any]:
    return {
        "id": str(batch.pk),
        "name": batch.name,
        "purpose": batch.purpose,
        "count": batch.count,
        "created_at": batch.created_at,
        "urls": {"pdf": f"{settings.BASE_URL}/api/v1/vouchers/batches/{batch.pk}/pdf"},
    }


def valid_from_text(voucher: Voucher, tz: ZoneInfo) -> str:
    """The first valid moment in the merchant's zone and the active language. Rendered here, not by the template's
    ``date`` filter, which would move it back to the server's zone."""
    return date_format(voucher.valid_from.astimezone(tz).replace(tzinfo=None), "SHORT_DATETIME_FORMAT")


def valid_until_text(voucher: Voucher, tz: ZoneInfo) -> str:
    """The last valid moment as a person reads it, in the merchant's zone and the active language: a date when the
    voucher runs to the end of a day, else a date and time. Empty for an unlimited voucher."""
    if voucher.expires_at is None:
        return ""
    end = voucher.expires_at.astimezone(tz)
    if end.time() == time.min:
        return date_format((end - timedelta(microseconds=1)).date(), "SHORT_DATE_FORMAT")
    return date_format(end.replace(tzinfo=None), "SHORT_DATETIME_FORMAT")
