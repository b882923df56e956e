from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from stampcard.poster.models import PosterAccount, PosterSpot, PosterWebhookDelivery


class PosterSpotInline(admin.TabularInline):
    model = PosterSpot
    extra = 0
    fields = ["spot_id", "name", "address", "location"]
    readonly_fields = ["spot_id", "name", "address"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PosterAccount)
class PosterAccountAdmin(admin.ModelAdmin):
    list_display = ["account", "company_name", "merchant", "status", "connected_at"]
    list_filter = ["status"]
    search_fields = ["account", "company_name", "account_number"]
    # The token is never shown, not even encrypted: support identifies it by its hint.
    exclude = ["access_token_encrypted"]
    readonly_fields = [
        "merchant",
        "account",
        "account_number",
        "company_name",
        "currency",
        "token_hint",
        "poster_user_id",
        "connected_by",
        "connected_at",
        "status",
    ]
    inlines = [PosterSpotInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PosterWebhookDelivery)
class PosterWebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["received_at", "account", "object", "object_id", "action", "outcome", "attempts"]
    list_filter = ["outcome", "object", "action"]
    search_fields = ["account", "object_id"]
    date_hierarchy = "received_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in PosterWebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
