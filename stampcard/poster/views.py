"""Poster's own endpoint (mounted at ``/integrations/poster/``): the webhook receiver.

The merchant's side of the connection (connect, Poster's OAuth callback, disconnect, spot mapping) is the panel's
integrations page, ``stampcard.panel.organisation.integrations``.
"""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stampcard.poster import webhooks

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    """Poster's webhooks. 200 ``{"status": "accept"}`` once stored (a redelivery too, so Poster stops retrying);
    403 for a bad signature (nothing stored); 400 for a body that is not a webhook."""
    try:
        received = webhooks.delivery_receive(raw=request.body, remote_addr=request.META.get("REMOTE_ADDR"))
    except webhooks.WebhookSignatureInvalid:
        return JsonResponse({"status": "rejected", "code": "invalid_signature"}, status=403)
    except webhooks.WebhookMalformed as exc:
        logger.info("poster webhook: malformed body from %s: %s", request.META.get("REMOTE_ADDR"), exc)
        return JsonResponse({"status": "rejected", "code": "malformed_webhook"}, status=400)
    return JsonResponse({"status": "accept", "duplicate": received.duplicate})
