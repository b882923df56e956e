"""Operator admin: receipt claims, read-only (they change only through the services, on a locked row)."""

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.receipts.models import ReceiptToken
from stampcard.receipts.states import ReceiptState


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (ReceiptState.OPEN.value, _("Open")),
            (ReceiptState.CLAIMED.value, _("Claimed")),
            (ReceiptState.EXPIRED.value, _("Expired")),
            (ReceiptState.VOID.value, _("Void")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ReceiptToken]) -> QuerySet[ReceiptToken]:
        now = clock.now()
        unused = Q(claimed_at__isnull=True, voided_at__isnull=True)
        conditions = {
            ReceiptState.OPEN.value: unused & Q(expires_at__gt=now),
            ReceiptState.CLAIMED.value: Q(claimed_at__isnull=False),
            ReceiptState.EXPIRED.value: unused & Q(expires_at__lte=now),
            ReceiptState.VOID.value: Q(voided_at__isnull=False),
        }
        condition = conditions.get(self.value() or "")
        return queryset.filter(condition) if condition is not None else queryset


@admin.register(ReceiptToken)
class ReceiptTokenAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "state",
        "merchant",
        "pos",
        "external_id",
        "total",
        "stamps",
        "card",
        "created_at",
        "expires_at",
        "claimed_at",
        "voided_at",
        "void_reason",
    ]
    list_filter = [StateFilter, "void_reason", "pos"]
    search_fields = ["code", "external_id", "card__number"]
    list_select_related = ["merchant", "card"]
    raw_id_fields = ["program", "location", "card", "check_ref", "created_by", "api_key", "voided_by"]
    exclude = ["token_hash"]
    ordering = ["-created_at"]

    @admin.display(description=_("state"))
    def state(self, obj: ReceiptToken) -> str:
        return obj.state_at(clock.now()).value

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
