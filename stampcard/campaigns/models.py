"""The campaigns app's tables. Campaigns: a message to an audience and the recipients it was fixed to. Messages:
what a merchant sends, one delivery per recipient and channel, the unsubscribes from its emails and the addresses
they bounced from. Automations: one per program and kind, and a record each time one fired for a card. Outbound
webhooks: the endpoints merchants register, one delivery per (endpoint, event), every attempt at it, and how far the
webhook feed has read the card ledger."""

from stampcard.campaigns.automations.models import Automation, AutomationFiring, AutomationKind
from stampcard.campaigns.campaigns.models import Campaign, CampaignRecipient, CampaignState
from stampcard.campaigns.messages.models import (
    DeliveryState as MessageDeliveryState,
)
from stampcard.campaigns.messages.models import (
    EmailBounce,
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
    "Campaign",
    "CampaignRecipient",
    "CampaignState",
    "EmailBounce",
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
