from django.contrib import admin

from stampcard.wallet.google.models import GoogleCallbackEvent, GoogleClass, GoogleObject


@admin.register(GoogleClass)
class GoogleClassAdmin(admin.ModelAdmin):
    list_display = ["class_id", "merchant", "program", "synced_at"]
    readonly_fields = ["merchant", "program", "class_id", "synced_hash", "synced_at"]
    search_fields = ["class_id"]


@admin.register(GoogleObject)
class GoogleObjectAdmin(admin.ModelAdmin):
    list_display = ["object_id", "merchant", "card", "synced_balance", "synced_at"]
    readonly_fields = [
        "merchant",
        "card",
        "google_class",
        "object_id",
        "synced_hash",
        "synced_balance",
        "synced_changed_at",
        "synced_at",
    ]
    search_fields = ["object_id", "card__number"]


@admin.register(GoogleCallbackEvent)
class GoogleCallbackEventAdmin(admin.ModelAdmin):
    list_display = ["google_object", "event_type", "merchant", "created_at"]
    list_filter = ["event_type"]
    readonly_fields = ["merchant", "google_object", "nonce", "event_type", "expires_at", "payload"]
