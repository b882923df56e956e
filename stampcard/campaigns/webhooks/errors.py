"""Refusals of the webhook services, with their stable codes."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import ApplicationError, Conflict, ValidationFailed


class WebhookUrlNotAllowed(ValidationFailed):
    code = "webhook_url_not_allowed"
    default_message = _("This address cannot receive webhooks.")

    def __init__(self, message: Any = None, **details: Any) -> None:
        super().__init__(message, field="url", **details)


class WebhookEventUnknown(ValidationFailed):
    code = "webhook_event_unknown"
    default_message = _("Choose events from the list.")

    def __init__(self, message: Any = None, **details: Any) -> None:
        super().__init__(message, field="events", **details)


class WebhookEndpointsLimited(ApplicationError):
    status = 409
    code = "webhook_endpoints_limit"
    default_message = _("A business can have at most 20 webhook endpoints. Remove one you no longer use first.")


class WebhookEndpointInactive(Conflict):
    code = "webhook_endpoint_inactive"
    default_message = _("This endpoint is switched off. Switch it on to send to it.")
