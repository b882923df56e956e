"""Read-only views for operators: prize tables change only through the services (exact 100%, frozen once drawn)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from stampcard.lottery.models import Lottery, LotteryDraw, LotterySeed, LotteryVariant


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VariantInline(_ReadOnly, admin.TabularInline):
    model = LotteryVariant
    fields = readonly_fields = ("position", "kind", "name", "probability_ppm", "daily_cap", "total_cap", "wins_total")


@admin.register(Lottery)
class LotteryAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["name", "merchant", "draw_at", "is_active", "version", "created_at"]
    list_filter = ["is_active", "draw_at"]
    inlines = [VariantInline]


@admin.register(LotterySeed)
class LotterySeedAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["lottery", "period", "commitment", "next_sequence", "revealed_at"]
    exclude = ["seed"]  # secret until its period is over; the proof endpoint shows it then


@admin.register(LotteryDraw)
class LotteryDrawAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["id", "lottery", "card", "sequence", "outcome", "roll", "created_at"]
    list_filter = ["outcome"]
    list_select_related = ["lottery", "card"]
