"""Operator admin: vouchers and batches, read-only (their lifecycle moves only through the services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from stampcard.vouchers.models import Voucher, VoucherBatch


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Voucher)
class VoucherAdmin(_ReadOnly):
    list_display = ["code", "title", "state", "merchant", "card", "valid_from", "expires_at", "redeemed_at"]
    list_filter = ["state", "code_source"]
    search_fields = ["code", "title", "card__number"]
    raw_id_fields = ["card", "reward", "check_ref", "batch"]
    exclude = ["public_token_digest"]


@admin.register(VoucherBatch)
class VoucherBatchAdmin(_ReadOnly):
    list_display = ["name", "purpose", "count", "merchant", "created_at"]
    list_filter = ["purpose"]
