"""The customer's side of a receipt claim: ``/r/<token>`` (collect onto the card this phone holds, or join and
collect in one step), ``/r/<token>/code`` (a returning customer proves their email, then collects), and the QR
images the POS prints.

GET never writes (link previewers and scanners open these URLs too); the page collects with a POST, which a tiny
script sends by itself when this phone already holds a card of the program, with the button as the no-JS way.
Every POST is rate-limited per IP before the token is even looked up.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from stampcard.cards import links
from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.core.errors import ApplicationError
from stampcard.core.http import private
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take
from stampcard.public import pages, remember
from stampcard.public.forms import JoinForm
from stampcard.public.services import JoinResult
from stampcard.receipts import images, outcomes, selectors, services
from stampcard.receipts.errors import ReceiptNotFound
from stampcard.receipts.models import ReceiptToken
from stampcard.receipts.presenters import claim_path, claim_url
from stampcard.receipts.states import ReceiptState

# Generous: a cafe's Wi-Fi or a mobile carrier's NAT puts many customers behind one address, and tokens are 128 bits,
# so this limit is about floods, not about guessing.
POSTS_PER_IP = (60, 600)
_TICKET_SALT = "stampcard.receipts.recovery-ticket"


def _message(request: HttpRequest, *, title: str, text: str, status: int) -> HttpResponse:
    return private(render(request, "receipts/message.html", {"title": title, "text": text}, status=status))


def _not_found(request: HttpRequest) -> HttpResponse:
    return _message(
        request,
        title=_("Receipt not found"),
        text=_("This link does not lead to a receipt. Check that the whole QR code was scanned."),
        status=404,
    )


def _throttled(request: HttpRequest) -> HttpResponse | None:
    ip = pages.client_ip(request)
    if not ip:
        return None
    digest = salted_hmac("stampcard.receipts.ip", ip, algorithm="sha256").hexdigest()[:32]
    try:
        throttle_take(limits=[Limit(f"receipt-post-ip:{digest}", *POSTS_PER_IP)])
    except ThrottleExceeded as refused:
        minutes = max(1, (refused.retry_after + 59) // 60)
        response = _message(
            request,
            title=_("Too many attempts"),
            text=_("Too many attempts from this network. Try again in %(minutes)d min.") % {"minutes": minutes},
            status=429,
        )
        response["Retry-After"] = str(refused.retry_after)
        return response
    return None


def _claim(token: str) -> ReceiptToken | None:
    try:
        return selectors.receipt_get_by_token(token=token)
    except ReceiptNotFound:
        return None


def _page(
    request: HttpRequest,
    claim: ReceiptToken,
    *,
    device_card: Card | None,
    form: JoinForm | None = None,
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    state = claim.state_at(clock.now())
    program, merchant = claim.program, claim.merchant
    mine = state == ReceiptState.CLAIMED and device_card is not None and claim.card_id == device_card.pk
    state_text = ""
    if state == ReceiptState.CLAIMED:
        state_text = outcomes.claimed_text(claim, same_card=mine)
    elif state == ReceiptState.VOID:
        state_text = outcomes.void_text(claim)
    elif state == ReceiptState.EXPIRED:
        state_text = outcomes.expired_text(claim)
    rules = device_card.rules if device_card is not None else program
    context: dict[str, Any] = {
        "claim": claim,
        "program": program,
        "merchant": merchant,
        "design": pages.program_design(program),
        "state": state.value,
        "state_text": state_text,
        "stamps": claim.stamps,
        "valid_until": date_format(claim.expires_at.astimezone(merchant.tz), "DATETIME_FORMAT"),
        "device_card": device_card,
        "device_card_url": links.web_card_path(device_card) if device_card is not None else "",
        "goal": rules.milestone_list()[-1]["at"],
        "mine": mine,
        "done": mine and request.GET.get("done") == "1",
        "stamps_issued": claim.check_ref.stamps_issued if mine and claim.check_ref is not None else 0,
        "reward_lines": outcomes.reward_lines(claim) if mine else [],
        "form": form or JoinForm(),
        "error": error,
        "notice": notice,
        # By the program's id, not its short slug: the slug is made on first use, and a GET must not write.
        "terms_url": reverse("join:terms", kwargs={"ref": str(program.pk)}),
        "recover_url": reverse("join:recover") + "?" + urlencode({"p": str(program.pk)}),
        "auto_collect": state == ReceiptState.OPEN and device_card is not None and not error,
    }
    return private(render(request, "receipts/claim.html", context, status=status))


@require_http_methods(["GET", "POST"])
def claim_page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and (limited := _throttled(request)) is not None:
        return limited
    claim = _claim(token)
    if claim is None:
        return _not_found(request)
    device_card = remember.remembered_card(request, program=claim.program)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "collect" and device_card is not None:
            return _collect(request, claim, token=token, card=device_card, joined=False)
        if action == "join":
            return _join(request, claim, token=token, device_card=device_card)
    return _page(request, claim, device_card=device_card)


def _collect(request: HttpRequest, claim: ReceiptToken, *, token: str, card: Card, joined: bool) -> HttpResponse:
    """Collect onto ``card``; a new card lands on the web card (with its wallet buttons), others on the claim."""
    try:
        services.receipt_collect(claim_id=claim.pk, card=card)
    except ApplicationError as error:
        fresh = _claim(token) or claim
        if fresh.state_at(clock.now()) != ReceiptState.OPEN:
            # Lost the race, or voided or expired meanwhile: the page's own state says what happened.
            return private(HttpResponseRedirect(claim_path(token)))
        # Not consumed (a plan limit, the check stamped at the counter...): say why, and do not auto-submit again.
        return _page(request, fresh, device_card=card, error=outcomes.refusal_text(error, fresh), status=error.status)
    if joined:
        return private(HttpResponseRedirect(links.web_card_path(card) + "?new=1"))
    return private(HttpResponseRedirect(claim_path(token) + "?done=1"))


def _join(request: HttpRequest, claim: ReceiptToken, *, token: str, device_card: Card | None) -> HttpResponse:
    if claim.state_at(clock.now()) != ReceiptState.OPEN:
        return private(HttpResponseRedirect(claim_path(token)))
    attempt = pages.join_from_post(request, program=claim.program)
    form, outcome = attempt.form, attempt.outcome
    if outcome is None:
        return _page(request, claim, device_card=device_card, form=form, status=attempt.status)
    if outcome.card is not None:
        response = _collect(request, claim, token=token, card=outcome.card, joined=outcome.result == JoinResult.CREATED)
        remember.remember_cards(response, request, [outcome.card])
        return response
    if outcome.result == JoinResult.RECOVER and outcome.recovery_id is not None:
        ticket = pages.ticket_sign({"r": outcome.recovery_id, "c": str(claim.pk)}, salt=_TICKET_SALT)
        return private(
            HttpResponseRedirect(reverse("receipts:code", kwargs={"token": token}) + "?" + urlencode({"t": ticket}))
        )
    return _page(request, claim, device_card=device_card, form=form, notice=pages.ask_staff_notice(), status=422)


def _recovery_id(request: HttpRequest, claim: ReceiptToken) -> int | None:
    """The recovery of a ticket that ``_join`` made for this very claim, or None."""
    value = pages.ticket_read(request, salt=_TICKET_SALT)
    if not isinstance(value, dict) or value.get("c") != str(claim.pk) or not isinstance(value.get("r"), int):
        return None
    return int(value["r"])


@require_http_methods(["GET", "POST"])
def claim_code(request: HttpRequest, token: str) -> HttpResponse:
    """A returning customer (their email is known) types the code we emailed; their card then collects the claim."""
    if request.method == "POST" and (limited := _throttled(request)) is not None:
        return limited
    claim = _claim(token)
    if claim is None:
        return _not_found(request)
    recovery_id = _recovery_id(request, claim)
    if recovery_id is None:
        return private(HttpResponseRedirect(claim_path(token)))
    attempt = pages.code_check_from_post(request, recovery_id=recovery_id)
    if attempt.cards is not None:
        card = next((c for c in attempt.cards if c.program_id == claim.program_id), None)
        if card is None:
            response: HttpResponse = private(HttpResponseRedirect(claim_path(token)))
        else:
            response = _collect(request, claim, token=token, card=card, joined=False)
        remember.remember_cards(response, request, attempt.cards)
        return response
    context = {
        **pages.code_context(request, attempt),
        "claim": claim,
        "program": claim.program,
        "merchant": claim.merchant,
        "claim_path": claim_path(token),
    }
    return private(render(request, "receipts/code.html", context, status=attempt.status))


_IMAGES = {
    "svg": ("image/svg+xml", lambda url: images.receipt_svg(url).encode()),
    "png58": ("image/png", lambda url: images.receipt_png(url, paper="58")),
    "png80": ("image/png", lambda url: images.receipt_png(url, paper="80")),
}


@require_GET
def claim_image(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    """The QR of the claim for the POS to print; any known token (the QR only encodes its own link)."""
    if _claim(token) is None:
        return _not_found(request)
    content_type, draw = _IMAGES[kind]
    return private(HttpResponse(draw(claim_url(token)), content_type=content_type))
