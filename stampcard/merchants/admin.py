from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from stampcard.merchants import billing
from stampcard.merchants.models import (
    ApiKey,
    BillingInterval,
    Location,
    Membership,
    Merchant,
    PlanChange,
    StaffUser,
    Subscription,
    UsageCounter,
)


def _grant(request: HttpRequest, merchants: "QuerySet[Merchant]", interval: BillingInterval) -> None:
    for merchant in merchants:
        locations = max(1, merchant.locations.filter(is_active=True).count())
        billing.plan_grant(merchant=merchant, interval=interval, locations=locations, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"Paid plan ({interval}) granted to {len(merchants)} merchant(s), without payment.")


@admin.action(description="Grant a paid plan for one month, without payment (covers the active locations)")
def grant_paid_month(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: "QuerySet[Merchant]") -> None:
    _grant(request, queryset, BillingInterval.MONTH)


@admin.action(description="Grant a paid plan for one year, without payment (covers the active locations)")
def grant_paid_year(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: "QuerySet[Merchant]") -> None:
    _grant(request, queryset, BillingInterval.YEAR)


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    fields = ["name", "address", "is_active"]


class SubscriptionInline(admin.StackedInline):
    model = Subscription
    can_delete = False


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "timezone", "created_at"]
    search_fields = ["name"]
    inlines = [SubscriptionInline, LocationInline]
    actions = [grant_paid_month, grant_paid_year]


@admin.register(StaffUser)
class StaffUserAdmin(UserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    list_filter = ["is_active", "is_staff"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant", "role", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["user", "merchant"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created through the service (the secret is shown once); here they are only seen and revoked."""

    list_display = ["name", "prefix", "merchant", "membership", "location", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "secret_hash", "last_used_at", "created_by", "merchant", "membership"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(UsageCounter)
class UsageCounterAdmin(admin.ModelAdmin):
    list_display = ["merchant", "period", "operations"]
    readonly_fields = ["merchant", "period", "operations"]


@admin.register(PlanChange)
class PlanChangeAdmin(admin.ModelAdmin):
    list_display = ["merchant", "from_plan", "to_plan", "to_interval", "to_locations", "effective_at", "applied_at"]
    list_filter = ["source", "to_plan"]
    readonly_fields = [f.name for f in PlanChange._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
