"""Operator admin: paired devices (unpair them remotely), anti-abuse alerts (mark them reviewed), refusals."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stampcard.scanner import services
from stampcard.scanner.models import AbuseAlert, ScannerDevice, ScanRefusal


def _staff_user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


@admin.register(ScannerDevice)
class ScannerDeviceAdmin(admin.ModelAdmin):
    """Devices are paired from the scanner app (the token is shown only there); here they are seen and unpaired."""

    list_display = ["name", "merchant", "location", "mode", "paired_by", "paired_at", "last_seen_at", "unpaired_at"]
    list_filter = ["mode", ("unpaired_at", admin.EmptyFieldListFilter)]
    list_select_related = ["merchant", "location", "paired_by__user"]
    search_fields = ["name", "paired_by__user__email", "location__name", "merchant__name"]
    readonly_fields = [
        "merchant",
        "location",
        "token_hash",
        "paired_by",
        "paired_at",
        "last_seen_at",
        "unpaired_at",
        "unpaired_by",
    ]
    fields = ["name", "mode", "sound", *readonly_fields]
    actions = ["unpair"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Unpair the selected devices (their tokens stop working at once)"))
    def unpair(self, request: HttpRequest, queryset: "QuerySet[ScannerDevice]") -> None:
        devices = list(queryset.filter(unpaired_at__isnull=True))
        for device in devices:
            services.device_unpair(device=device, by=_staff_user(request))
        self.message_user(
            request,
            ngettext("%(count)d device unpaired.", "%(count)d devices unpaired.", len(devices))
            % {"count": len(devices)},
            messages.SUCCESS,
        )


@admin.register(AbuseAlert)
class AbuseAlertAdmin(admin.ModelAdmin):
    list_display = ["kind", "card", "merchant", "day", "location", "device", "raised_at", "reviewed_at"]
    list_filter = ["kind", ("reviewed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["card", "merchant", "location", "device"]
    search_fields = ["card__number", "merchant__name"]
    readonly_fields = [
        "merchant",
        "kind",
        "card",
        "day",
        "location",
        "device",
        "details",
        "raised_at",
        "reviewed_at",
        "reviewed_by",
    ]
    actions = ["mark_reviewed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Mark the selected alerts reviewed"))
    def mark_reviewed(self, request: HttpRequest, queryset: "QuerySet[AbuseAlert]") -> None:
        alerts = list(queryset.filter(reviewed_at__isnull=True))
        for alert in alerts:
            services.alert_mark_reviewed(alert=alert, by=_staff_user(request))
        self.message_user(
            request,
            ngettext("%(count)d alert marked reviewed.", "%(count)d alerts marked reviewed.", len(alerts))
            % {"count": len(alerts)},
            messages.SUCCESS,
        )


@admin.register(ScanRefusal)
class ScanRefusalAdmin(admin.ModelAdmin):
    list_display = ["code", "card", "device", "location", "at", "retry_at"]
    list_filter = ["code"]
    list_select_related = ["card", "device", "location"]
    search_fields = ["card__number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
