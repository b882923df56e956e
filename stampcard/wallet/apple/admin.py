from django.contrib import admin

from stampcard.wallet.apple.models import AppleDeviceLog, ApplePass, AppleRegistration


@admin.register(ApplePass)
class ApplePassAdmin(admin.ModelAdmin):
    list_display = ["serial_number", "card", "merchant", "pushed_changed_at", "created_at"]
    readonly_fields = ["card", "merchant", "pass_type_identifier", "serial_number", "pushed_changed_at"]
    exclude = ["authentication_token_digest", "public_token_digest"]
    search_fields = ["serial_number", "card__number"]


@admin.register(AppleRegistration)
class AppleRegistrationAdmin(admin.ModelAdmin):
    list_display = ["device_library_identifier", "apple_pass", "created_at", "updated_at"]
    readonly_fields = ["apple_pass", "device_library_identifier", "push_token"]


@admin.register(AppleDeviceLog)
class AppleDeviceLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "message"]
    readonly_fields = ["message"]
