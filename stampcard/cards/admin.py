from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from stampcard.cards.design import program_cards_touch
from stampcard.cards.models import Card, CardEvent, Check, Program, ProgramRules, ProgramVersion


class ProgramVersionInline(admin.TabularInline):
    model = ProgramVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "created_at", "created_by", "goal", "changes")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """The rules are read-only here: changing them must make a new version (``checkouts.programs.program_update``),
    or cards would silently change the rules they joined with."""

    list_display = ["name", "merchant", "goal", "earning_rule", "version", "is_default", "is_active"]
    list_filter = ["earning_rule", "is_active"]
    inlines = [ProgramVersionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Program | None = None) -> list[str]:
        return [*ProgramRules.RULE_FIELDS, "version"] if obj is not None else ["version"]

    def save_model(self, request: HttpRequest, obj: Program, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:  # a new look for every card: their wallet passes follow
            program_cards_touch(program=obj)


class CardEventInline(admin.TabularInline):
    """The ledger, read-only: corrections are new events (manual adjustments), never edits."""

    model = CardEvent
    fk_name = "card"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "kind", "delta", "stamps_after", "channel", "actor", "location", "reason")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "program", "stamps", "lifetime_stamps", "last_stamp_at"]
    search_fields = ["number", "customer__name", "customer__email"]
    # ``stampcard.wallet.admin`` registers this with a readout of the wallets holding the card (cards sits below them).
    readonly_fields = [
        "number",
        "qr_payload",
        "stamps",
        "lifetime_stamps",
        "rewards_earned",
        "last_stamp_at",
        "program_version",
        "cycle",
        "milestones_reached",
        "holdings_added",
        "holdings_seen_empty",
    ]
    raw_id_fields = ["customer", "program", "merchant"]
    inlines = [CardEventInline]


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ["external_id", "pos", "merchant", "card", "total", "currency", "state", "stamps_issued"]
    list_filter = ["state", "pos"]
    search_fields = ["external_id"]
    readonly_fields = [f.name for f in Check._meta.fields]
