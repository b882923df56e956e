from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from stampcard.merchants.models import ApiKey, Location, Membership, Merchant, StaffUser, Subscription, UsageCounter


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
