"""The campaigns app's tables. Messages: what a merchant sends, one delivery per recipient and channel, and the
unsubscribes from its emails. Automations: one per program and kind, and a record each time one fired for a card.
Outbound webhooks: the endpoints merchants register, one delivery per (endpoint, event), every attempt at it, and how
far the webhook feed has read the card ledger."""

from stampcard.campaigns.automations.models import Automation, AutomationFiring, AutomationKind
from stampcard.campaigns.messages.models import (
    DeliveryState as MessageDeliveryState,
)
from stampcard.campaigns.messages.models import (
    EmailUnsubscribe,
    Message,
    MessageChannel,
    MessageDelivery,
    MessageState,
)
from stampcard.campaigns.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "Automation",
    "AutomationFiring",
    "AutomationKind",
    "EmailUnsubscribe",
    "Message",
    "MessageChannel",
    "MessageDelivery",
    "MessageDeliveryState",
    "MessageState",
    "DeliveryState",
    "WebhookAttempt",
    "WebhookCursor",
    "WebhookDelivery",
    "WebhookEndpoint",
]
