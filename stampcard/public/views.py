"""The customer pages: join (``/j/<program>``), the web card (``/c/<token>``), lost-phone recovery (``/recover``),
and the staff's join QR with printable labels (``/j/<program>/qr``)."""

import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stampcard.cards import links
from stampcard.cards.models import Card, Program
from stampcard.core.errors import ApplicationError, LimitReached, NotFound, ValidationFailed
from stampcard.core.http import private
from stampcard.core.qr import qr_svg_inline
from stampcard.customers.languages import customer_language_activate
from stampcard.public import datarights, opens, pages, pdf, recovery, referral, remember, selectors, services
from stampcard.public.devices import wallet_choice
from stampcard.public.forms import CodeForm, JoinForm, RecoverForm
from stampcard.public.models import DataRightsKind
from stampcard.public.services import JoinResult
from stampcard.public.wallets import google_save_redirect_url, wallet_buttons
from stampcard.rewards import selectors as rewards_selectors
from stampcard.vouchers import selectors as vouchers_selectors
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.presenters import voucher_urls

logger = logging.getLogger(__name__)

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def _program_or_404(ref: str) -> Program:
    try:
        return selectors.program_get_public(ref=ref)
    except NotFound:
        raise Http404 from None


# --- join -----------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join_page(request: HttpRequest, ref: str) -> HttpResponse:
    program = _program_or_404(ref)
    device_card = remember.remembered_card(request, program=program)
    notice = ""
    if request.method == "POST":
        attempt = pages.join_from_post(request, program=program)
        form, outcome = attempt.form, attempt.outcome
        if outcome is not None:
            if outcome.card is not None:
                if outcome.result == JoinResult.CREATED:
                    referral.record_join(request, card=outcome.card)
                new = "?new=1" if outcome.result == JoinResult.CREATED else ""
                return HttpResponseRedirect(links.web_card_path(outcome.card) + new)
            if outcome.result == JoinResult.RECOVER and outcome.recovery_id is not None:
                return HttpResponseRedirect(pages.recovery_code_url(outcome.recovery_id, returning=True))
            notice = pages.ask_staff_notice()
    else:
        form = JoinForm()
    milestones = program.milestone_list()
    context = {
        "program": program,
        "merchant": program.merchant,
        "design": pages.program_design(program),
        "milestones": milestones,
        "goal": milestones[-1]["at"],
        "form": form,
        "notice": notice,
        "device_card_url": links.web_card_path(device_card) if device_card else "",
        "recover_url": reverse("join:recover") + "?" + urlencode({"p": ref}),
        "terms_url": reverse("join:terms", kwargs={"ref": ref}),
        "referral_welcome": referral.welcome(request, program=program),
    }
    status = 422 if request.method == "POST" and (form.errors or notice) else 200
    response = private(render(request, "join/join.html", context, status=status))
    if context["referral_welcome"]:
        referral.keep_device_id(response, request)
    return response


@require_GET
def terms_page(request: HttpRequest, ref: str) -> HttpResponse:
    program = _program_or_404(ref)
    context = {"program": program, "merchant": program.merchant, "join_url": reverse("join:join", kwargs={"ref": ref})}
    return render(request, "join/terms.html", context)


# --- the web card ---------------------------------------------------------------------------------------------------


@require_GET
def card_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        card = selectors.card_get_by_token(token=token)
    except NotFound:
        raise Http404 from None
    customer_language_activate(request, card.customer)
    opens.card_open_record(card=card)
    program = card.program
    milestones = card.rules.milestone_list()
    vouchers = vouchers_selectors.vouchers_active_by_card(cards=[card])[card.pk]
    context = {
        "card": card,
        "program": program,
        "merchant": program.merchant,
        "design": pages.program_design(program),
        "qr_svg": mark_safe(qr_svg_inline(card.qr_payload, scale=4)),  # noqa: S308 - segno's own markup
        "goal": milestones[-1]["at"],
        "milestones": milestones,
        "slots": pages.stamp_slots(stamps=card.stamps, milestones=milestones),
        "rewards": rewards_selectors.rewards_ready_by_card(cards=[card])[card.pk],
        "vouchers": [{"voucher": v, "code": format_code(v.code), "url": voucher_urls(v)["page"]} for v in vouchers],
        "wallet": wallet_buttons(card=card, choice=wallet_choice(request.headers.get("User-Agent"))),
        "joined": request.GET.get("new") == "1",
        "data_url": reverse("join:card-data", args=[token]),
        "language_url": reverse("join:card-language", args=[token]),
        "languages": pages.language_choices(),
        "referral": referral.card_block(card),
    }
    response = private(render(request, "join/card.html", context))
    remember.remember_cards(response, request, [card])
    return response


@require_POST
def card_language(request: HttpRequest, token: str) -> HttpResponse:
    """The web card's language switch: the customer's pages, passes and emails speak the language chosen, and this
    browser's other customer pages (joining another program) open in it too."""
    card = _card_or_404(token)
    try:
        customer = services.card_language_choose(card=card, language=request.POST.get("language", ""))
    except ValidationFailed:
        return HttpResponseBadRequest()
    response = HttpResponseRedirect(reverse("join:card", kwargs={"token": token}))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        customer.language,
        max_age=LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return private(response)


@require_GET
def card_google_save(request: HttpRequest, token: str) -> HttpResponse:
    """The card page's Google button: make the save link now and send the customer to Google with it."""
    try:
        card = selectors.card_get_by_token(token=token)
    except NotFound:
        raise Http404 from None
    try:
        target = google_save_redirect_url(card)
    except Exception:  # Google unreachable or not configured: back to the web card, which works without it
        logger.exception("could not make the Google Wallet link of card %s", card.pk)
        return redirect(reverse("join:card", kwargs={"token": token}) + "?wallet=unavailable")
    return private(redirect(target))


# --- lost phone -----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def recover_start(request: HttpRequest) -> HttpResponse:
    ref = (request.POST.get("p") or request.GET.get("p") or "").strip()
    program: Program | None = None
    if ref:
        try:
            program = selectors.program_get_public(ref=ref)
        except NotFound:
            ref = ""
    form = RecoverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery_id = recovery.recovery_request(
                email=form.cleaned_data["email"], ip=pages.client_ip(request), program=program
            )
        except ValidationFailed as error:
            pages.put_error_on_field(form, error)
        except LimitReached as error:
            form.add_error("email", pages.retry_message(error))
        else:
            return HttpResponseRedirect(pages.recovery_code_url(recovery_id))
    context = {"form": form, "program": program, "merchant": program.merchant if program else None, "ref": ref}
    status = 422 if form.errors else 200
    return private(render(request, "join/recover.html", context, status=status))


@require_http_methods(["GET", "POST"])
def recover_code(request: HttpRequest) -> HttpResponse:
    recovery_id = pages.recovery_id_from(request)
    if recovery_id is None:
        return HttpResponseRedirect(reverse("join:recover"))
    attempt = pages.code_check_from_post(request, recovery_id=recovery_id)
    if attempt.cards is not None:
        return _restored(request, attempt.cards)
    context = {**pages.code_context(request, attempt), "returning": request.GET.get("returning") == "1"}
    return private(render(request, "join/recover_code.html", context, status=attempt.status))


def _restored(request: HttpRequest, cards: list[Card]) -> HttpResponse:
    if len(cards) == 1:
        response: HttpResponse = HttpResponseRedirect(links.web_card_path(cards[0]))
    else:
        entries = [{"card": card, "url": links.web_card_path(card)} for card in cards]
        response = render(request, "join/restored.html", {"entries": entries})
    remember.remember_cards(response, request, cards)
    return private(response)


# --- the customer's data rights ------------------------------------------------------------------------------------


def _card_or_404(token: str) -> Card:
    try:
        return selectors.card_get_by_token(token=token)
    except NotFound:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def data_rights_page(request: HttpRequest, token: str) -> HttpResponse:
    """ "Download my data" and "Delete my data": either emails a code to the card's customer."""
    card = _card_or_404(token)
    customer_language_activate(request, card.customer)
    error, status = "", 200
    if request.method == "POST":
        try:
            kind = DataRightsKind(request.POST.get("kind", ""))
        except ValueError:
            error, status = str(_("Choose what you want to do with your data.")), 400
        else:
            try:
                row = datarights.data_request_start(card=card, kind=kind, ip=pages.client_ip(request))
            except LimitReached as refused:
                error, status = pages.retry_message(refused), 429
            except ValidationFailed as refused:
                error, status = str(refused.message), 422
            else:
                return HttpResponseRedirect(reverse("join:card-data-code", args=[token, row.pk]))
    context = {"card": card, "merchant": card.program.merchant, "card_url": links.web_card_path(card), "error": error}
    return private(render(request, "join/data_rights.html", context, status=status))


@require_http_methods(["GET", "POST"])
def data_rights_code(request: HttpRequest, token: str, request_id: int) -> HttpResponse:
    card = _card_or_404(token)
    customer_language_activate(request, card.customer)
    kind = datarights.data_request_kind(card=card, request_id=request_id)
    if kind is None:
        raise Http404
    form, failed, status = CodeForm(request.POST if request.method == "POST" else None), "", 200
    if request.method == "POST" and form.is_valid():
        try:
            outcome = datarights.data_request_confirm(card=card, request_id=request_id, code=form.cleaned_data["code"])
        except ValidationFailed as error:
            pages.put_error_on_field(form, error)
        except ApplicationError as error:
            failed, status = str(error.message), error.status
        else:
            if isinstance(outcome, dict):
                response = JsonResponse(outcome, json_dumps_params={"ensure_ascii": False, "indent": 2})
                response["Content-Disposition"] = f'attachment; filename="my-data-{card.number}.json"'
                return private(response)
            merchant = card.program.merchant
            return private(render(request, "join/data_erased.html", {"merchant": merchant}))
    if form.errors:
        status = 422
    context = {
        "form": form,
        "failed": failed,
        "erase": kind == DataRightsKind.ERASE,
        "minutes": int(datarights.CODE_TTL.total_seconds() // 60),
        "start_url": reverse("join:card-data", args=[token]),
    }
    return private(render(request, "join/data_rights_code.html", context, status=status))


# --- staff: join QR and labels --------------------------------------------------------------------------------------


def _staff_program(request: HttpRequest, ref: str) -> Program | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    program = _program_or_404(ref)
    if not selectors.staff_can_manage_program(user=request.user, program=program):
        raise Http404
    return program


@require_GET
def staff_qr_page(request: HttpRequest, ref: str) -> HttpResponse:
    program = _staff_program(request, ref)
    if isinstance(program, HttpResponse):
        return program
    url = links.join_url(program)
    context = {
        "program": program,
        "merchant": program.merchant,
        "join_url": url,
        "qr_svg": mark_safe(qr_svg_inline(url, scale=8)),  # noqa: S308 - segno's own markup
        "labels": [
            {"size": size, "url": reverse("join:label", kwargs={"ref": ref, "size": size})} for size in pdf.LABEL_SIZES
        ],
    }
    return private(render(request, "join/staff_qr.html", context))


@require_GET
def staff_label_pdf(request: HttpRequest, ref: str, size: str) -> HttpResponse:
    program = _staff_program(request, ref)
    if isinstance(program, HttpResponse):
        return program
    if size not in pdf.LABEL_SIZES:
        raise Http404
    response = HttpResponse(pdf.join_label(program=program, size=size), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="join-{links.program_slug(program)}-{size}.pdf"'
    return private(response)
