"""The page a delivery insert's QR opens (``/i/<token>``), phone first, in the customer frame.

GET shows what the insert gives and who can take it; it writes nothing but the batch's open counter. Taking it is a
POST: a phone that already holds the program's card (the signed remembered-card cookie) submits it by itself, with a
visible button for a phone without JavaScript; anyone else fills in the short join form. Both end on the web card,
where the stamp, the voucher or the gift is there to see.
"""

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stampcard.cards import links
from stampcard.cards.models import Card
from stampcard.core.http import private
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take
from stampcard.inserts import selectors, services
from stampcard.inserts.benefits import benefit_words, validity_words
from stampcard.inserts.errors import (
    InsertAlreadyUsed,
    InsertBatchAlreadyClaimed,
    InsertClaimsLimited,
    InsertNotFound,
)
from stampcard.inserts.models import BenefitKind, Insert
from stampcard.merchants.errors import PlanLimitReached
from stampcard.public import pages, remember
from stampcard.public.forms import JoinForm
from stampcard.public.services import JoinResult

# Claims allowed per IP and window: generous, since a mobile carrier puts many phones behind one address.
CLAIMS_PER_IP = 20
CLAIM_WINDOW_SECONDS = 600


def _take_claim_slot(request: HttpRequest) -> None:
    knobs = getattr(settings, "STAMPCARD", {})
    ip_digest = hashlib.sha256(pages.client_ip(request).encode()).hexdigest()[:32]
    limit = Limit(
        f"insert-claim:{ip_digest}",
        int(knobs.get("INSERT_CLAIMS_PER_IP", CLAIMS_PER_IP)),
        int(knobs.get("INSERT_CLAIM_WINDOW_SECONDS", CLAIM_WINDOW_SECONDS)),
    )
    try:
        throttle_take(limits=[limit])
    except ThrottleExceeded as refused:
        raise InsertClaimsLimited(retry_after=refused.retry_after) from None


def _page(
    request: HttpRequest,
    insert: Insert,
    *,
    state: str,
    card: Card | None = None,
    form: forms.Form | None = None,
    message: str = "",
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    batch = insert.batch
    program = batch.program
    ref = str(program.pk)  # not the short slug: making one on first use would be a write
    context = {
        "state": state,
        "insert": insert,
        "batch": batch,
        "program": program,
        "merchant": program.merchant,
        "design": pages.program_design(program),
        "benefit": benefit_words(batch),
        "description": batch.benefit_description if batch.benefit_kind != BenefitKind.STAMP else "",
        "validity": validity_words(batch),
        "kind": batch.benefit_kind,
        "card": card,
        "card_url": links.web_card_path(card) if card is not None else "",
        "form": form or JoinForm(),
        "message": message,
        "join_url": reverse("join:join", kwargs={"ref": ref}),
        "terms_url": reverse("join:terms", kwargs={"ref": ref}),
        **(extra or {}),
    }
    return private(render(request, "inserts/claim.html", context, status=status))


def _state_for(insert: Insert, device_card: Card | None) -> tuple[str, Card | None]:
    claim = selectors.insert_claim_of(insert=insert)
    if claim is not None:
        if device_card is not None and claim.card_id == device_card.pk:
            return "yours", device_card
        return "used", device_card
    if device_card is not None:
        if selectors.insert_claim_in_batch(batch=insert.batch, card=device_card) is not None:
            return "batch_done", device_card
        return "collect", device_card
    return "join", None


@require_http_methods(["GET", "POST"])
def claim_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        insert = selectors.insert_get_by_token(token=token)
    except InsertNotFound:
        return private(render(request, "inserts/not_found.html", status=404))
    device_card = remember.remembered_card(request, program=insert.batch.program)
    if request.method != "POST":
        services.insert_scan_record(insert=insert)
        state, card = _state_for(insert, device_card)
        return _page(request, insert, state=state, card=card)
    try:
        _take_claim_slot(request)
    except InsertClaimsLimited as refused:
        response = _page(
            request, insert, state="limited", card=device_card, message=str(refused.message), status=refused.status
        )
        response["Retry-After"] = str(refused.details["retry_after"])
        return response
    if device_card is not None:
        return _collect(request, insert, token=token, card=device_card, new_customer=False)
    return _join_and_collect(request, insert, token=token)


def _join_and_collect(request: HttpRequest, insert: Insert, *, token: str) -> HttpResponse:
    attempt = pages.join_from_post(request, program=insert.batch.program)
    form, outcome = attempt.form, attempt.outcome
    if outcome is None:
        return _page(request, insert, state="join", form=form, status=attempt.status)
    if outcome.card is not None:
        return _collect(
            request, insert, token=token, card=outcome.card, new_customer=outcome.result == JoinResult.CREATED
        )
    if outcome.result == JoinResult.RECOVER and outcome.recovery_id is not None:
        code_url = pages.recovery_code_url(outcome.recovery_id, returning=True)
        return _page(request, insert, state="recover", extra={"code_url": code_url})
    message = _(
        "This phone number already has a card with us. Scan the insert with the phone that holds the card, or "
        "leave the phone number out."
    )
    return _page(request, insert, state="join", form=form, message=message, status=422)


def _collect(request: HttpRequest, insert: Insert, *, token: str, card: Card, new_customer: bool) -> HttpResponse:
    try:
        # The scanned token, not ``insert.token``: finding the insert again by its digest needs no unsealing.
        services.insert_claim(token=token, card=card, new_customer=new_customer)
    except InsertAlreadyUsed as error:
        return _page(request, insert, state="used", card=card, status=error.status)
    except InsertBatchAlreadyClaimed as error:
        return _page(request, insert, state="batch_done", card=card, status=error.status)
    except PlanLimitReached as error:
        return _page(request, insert, state="unavailable", card=card, status=error.status)
    response = HttpResponseRedirect(links.web_card_path(card) + ("?new=1" if new_customer else ""))
    remember.remember_cards(response, request, [card])
    return private(response)
