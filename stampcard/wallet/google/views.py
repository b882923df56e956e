"""Public endpoints Google calls: save/delete callbacks and the images of cards and programs."""

import json
import logging
import uuid
from typing import Any

import httpx
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from stampcard.cards.models import Program
from stampcard.core import clock
from stampcard.wallet.google import callbacks, images, services
from stampcard.wallet.google.client import http_client
from stampcard.wallet.google.models import HeroDesign

logger = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"


def _verified_message(body: Any, http: httpx.Client) -> dict[str, Any]:
    def verify(root_keys: list[dict[str, Any]]) -> dict[str, Any]:
        return callbacks.callback_verify(
            body,
            root_keys=root_keys,
            recipient_id=settings.GOOGLE_WALLET_ISSUER_ID,
            sender_id=settings.GOOGLE_WALLET_CALLBACK_SENDER_ID,
            now=clock.now(),
        )

    try:
        return verify(callbacks.root_keys_fetch(http=http))
    except callbacks.CallbackInvalid:
        # Google may have rotated its root keys since we cached them.
        return verify(callbacks.root_keys_fetch(http=http, force=True))


@csrf_exempt
@require_POST
def callback(request: HttpRequest) -> JsonResponse:
    """Google's save/delete callback: 200 once handled (a duplicate too, so Google stops retrying), 400 for one that
    does not verify, 503 when Google's keys cannot be fetched (Google retries)."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"code": "malformed_callback"}, status=400)
    try:
        with http_client() as http:
            message = _verified_message(body, http)
    except callbacks.CallbackInvalid as exc:
        logger.warning("google wallet: callback rejected: %s", exc)
        return JsonResponse({"code": "invalid_signature"}, status=400)
    except httpx.HTTPError as exc:
        logger.warning("google wallet: callback keys unavailable: %s", exc)
        return JsonResponse({"code": "keys_unavailable"}, status=503)
    outcome = services.callback_record(message=message)
    return JsonResponse({"recorded": outcome.recorded, "reason": outcome.reason})


@require_GET
def hero(request: HttpRequest, design_hash: str, count: int) -> HttpResponse:
    design = get_object_or_404(HeroDesign, pk=design_hash)
    if count > int(design.spec["slots"]):
        return HttpResponse(status=404)
    data = images.hero_png(design_key=design.pk, spec=design.spec, count=count)
    return HttpResponse(data, content_type="image/png", headers={"Cache-Control": IMMUTABLE})


@require_GET
def logo(request: HttpRequest, program_id: uuid.UUID, version: str) -> HttpResponse:
    program = get_object_or_404(Program, pk=program_id)
    # Any version renders the current logo: a stale URL Google still holds shows something, never a broken image.
    response = HttpResponse(images.logo_png(program=program), content_type="image/png")
    response["Cache-Control"] = IMMUTABLE if version == images.logo_version(program) else "public, max-age=300"
    return response
