"""Operator admin: automations and their firings, messages and their deliveries, webhook endpoints and deliveries,
read-only (merchants manage them in the panel and the API). A bounced address may be deleted (the mailbox exists
again: marketing email resumes)."""

from django.contrib import admin
from django.http import HttpRequest

from stampcard.campaigns.automations.models import Automation, AutomationFiring
from stampcard.campaigns.messages.models import EmailBounce, EmailUnsubscribe, Message, MessageDelivery
from stampcard.campaigns.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_ReadOnly):
    list_display = ["url", "merchant", "is_active", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["merchant"]
    search_fields = ["url", "merchant__name"]
    exclude = ["secret_digest", "secret_sealed"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "status_code", "error")
    readonly_fields = ("number", "started_at", "duration_ms", "status_code", "error")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = ["id", "event", "endpoint", "state", "attempts", "created_at", "next_attempt_at"]
    list_filter = ["state", "event"]
    list_select_related = ["endpoint"]
    search_fields = ["id", "endpoint__url"]
    inlines = [WebhookAttemptInline]


@admin.register(Message)
class MessageAdmin(_ReadOnly):
    list_display = ["id", "merchant", "source", "channels", "state", "created_at", "finished_at"]
    list_filter = ["state", "source"]
    list_select_related = ["merchant"]
    search_fields = ["id", "merchant__name"]


@admin.register(MessageDelivery)
class MessageDeliveryAdmin(_ReadOnly):
    list_display = ["id", "message", "channel", "address", "state", "reason", "attempts", "sent_at"]
    list_filter = ["state", "reason", "channel"]
    search_fields = ["address", "message__id"]
    raw_id_fields = ["message", "card", "customer"]


@admin.register(EmailUnsubscribe)
class EmailUnsubscribeAdmin(_ReadOnly):
    list_display = ["customer", "merchant", "one_click", "created_at"]
    list_select_related = ["customer", "merchant"]
    raw_id_fields = ["customer", "delivery"]


@admin.register(EmailBounce)
class EmailBounceAdmin(_ReadOnly):
    list_display = ["address_hash", "merchant", "status", "created_at"]
    list_select_related = ["merchant"]
    search_fields = ["address_hash"]
    raw_id_fields = ["delivery"]


@admin.register(Automation)
class AutomationAdmin(_ReadOnly):
    list_display = ["kind", "program", "merchant", "is_enabled", "days", "send_hour", "updated_at"]
    list_filter = ["kind", "is_enabled"]
    list_select_related = ["program", "merchant"]
    search_fields = ["merchant__name", "program__name"]


@admin.register(AutomationFiring)
class AutomationFiringAdmin(_ReadOnly):
    list_display = ["automation", "card", "occasion", "fired_at", "message", "stamps_lapsed"]
    list_filter = ["automation__kind"]
    list_select_related = ["automation", "card"]
    raw_id_fields = ["automation", "card", "message", "voucher"]
