"""The voucher's public page (``/v/<token>``): the bearer link printed on a flyer or sent to a customer.

It shows the voucher, its code as text, QR and barcode for the cashier, and, for a free-standing voucher, a short
form that takes it into a new card (the customer joins the merchant's default program in the same step).
"""

from collections.abc import Callable

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from stampcard.core import clock
from stampcard.core.errors import ApplicationError
from stampcard.core.http import private
from stampcard.customers.languages import customer_language_activate
from stampcard.vouchers import rendering, selectors, services
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.errors import VoucherNotFound
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.presenters import valid_from_text, valid_until_text, voucher_urls
from stampcard.vouchers.states import OPEN_STATES, VoucherState, effective_state


class ClaimForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Email (optional)"), required=False, max_length=254)
    marketing_email = forms.BooleanField(label=_("Send me news and offers by email"), required=False)


def _voucher_or_404(token: str) -> Voucher:
    try:
        return selectors.voucher_get_by_token(token=token)
    except VoucherNotFound:
        raise Http404 from None


def _page(
    request: HttpRequest, voucher: Voucher, form: ClaimForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    state = effective_state(
        state=voucher.state, valid_from=voucher.valid_from, expires_at=voucher.expires_at, now=clock.now()
    )
    tz = voucher.merchant.tz
    context = {
        "voucher": voucher,
        "merchant": voucher.merchant,
        "state": state,
        "usable": state in OPEN_STATES,
        "not_yet_valid": state == VoucherState.ISSUED,
        "valid_from": valid_from_text(voucher, tz),
        "valid_until": valid_until_text(voucher, tz),
        "code_display": format_code(voucher.code),
        "claimable": voucher.card_id is None and state in OPEN_STATES,
        "claimed": request.GET.get("claimed") == "1" and voucher.card_id is not None,
        "form": form,
        "error": error,
    }
    return private(render(request, "vouchers/page.html", context, status=status))


@require_http_methods(["GET", "POST"])
def voucher_page(request: HttpRequest, token: str) -> HttpResponse:
    voucher = _voucher_or_404(token)
    if voucher.card is not None:
        customer_language_activate(request, voucher.card.customer)  # a voucher in a card is its customer's page
    if request.method != "POST":
        return _page(request, voucher, ClaimForm())
    form = ClaimForm(request.POST)
    if not form.is_valid():
        return _page(request, voucher, form, status=422)
    try:
        services.voucher_claim(
            token=token,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"] or None,
            marketing_email_consent=form.cleaned_data["marketing_email"],
            language=translation.get_language() or "",
        )
    except ApplicationError as error:
        return _page(request, _voucher_or_404(token), form, error=str(error.message), status=error.status)
    return HttpResponseRedirect(reverse("voucher-page", kwargs={"token": token}) + "?claimed=1")


def _image(content: bytes, content_type: str) -> HttpResponse:
    return private(HttpResponse(content, content_type=content_type))


# What each image URL draws: the code itself (for the till's scanner) or, for flyers, the link to the voucher page.
IMAGES: dict[str, tuple[Callable[[str], bytes], str, bool]] = {
    "qr_svg": (rendering.qr_svg, "image/svg+xml", False),
    "qr_png": (rendering.qr_png, "image/png", False),
    "barcode_svg": (rendering.barcode_svg, "image/svg+xml", False),
    "barcode_png": (rendering.barcode_png, "image/png", False),
    "page_qr_svg": (rendering.qr_svg, "image/svg+xml", True),
}


@require_GET
def voucher_image(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    draw, content_type, of_the_page = IMAGES[kind]
    voucher = _voucher_or_404(token)
    return _image(draw(voucher_urls(voucher)["page"] if of_the_page else voucher.code), content_type)
