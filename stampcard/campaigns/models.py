"""The campaigns app's tables. Outbound webhooks: the endpoints merchants register, one delivery per (endpoint,
event), every attempt at it, and how far the webhook feed has read the card ledger."""

from stampcard.campaigns.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = ["DeliveryState", "WebhookAttempt", "WebhookCursor", "WebhookDelivery", "WebhookEndpoint"]
