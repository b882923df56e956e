"""Vouchers in the panel: the overview of rewards, a voucher for one customer (found by name, email, phone or card
number), bearer batches with their printable sheet and a link per voucher, and cancelling one."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from stampcard.api.documents import pdf_attachment
from stampcard.cards import selectors as cards_selectors
from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.core.errors import ApplicationError, NotFound, ValidationFailed
from stampcard.lottery import selectors as lottery_selectors
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_view
from stampcard.panel.refusals import refusal_to_form
from stampcard.panel.rewards.forms import BatchForm, VoucherIssueForm
from stampcard.vouchers import issuing, pdf, presenters, services
from stampcard.vouchers import selectors as vouchers_selectors
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.states import OPEN_STATES, VoucherState, effective_state

STATE_BADGES = {
    VoucherState.ACTIVE: "ok",
    VoucherState.ISSUED: "brand",
    VoucherState.REDEEMED: "",
    VoucherState.EXPIRED: "warn",
    VoucherState.CANCELLED: "danger",
}


@dataclass(frozen=True)
class VoucherRow:
    """A voucher as the panel lists it: its state now (expired reads so before the job records it) and its link."""

    voucher: Voucher
    code: str
    state: VoucherState
    badge: str
    link: str

    @property
    def can_cancel(self) -> bool:
        return self.state in OPEN_STATES


def voucher_link(voucher: Voucher) -> str:
    """The voucher's public page, through the vouchers app's own link maker (never the token column directly)."""
    return presenters.voucher_urls(voucher)["page"]


def voucher_rows(vouchers: list[Voucher]) -> list[VoucherRow]:
    now = clock.now()
    rows = []
    for voucher in vouchers:
        state = effective_state(
            state=voucher.state, valid_from=voucher.valid_from, expires_at=voucher.expires_at, now=now
        )
        rows.append(
            VoucherRow(
                voucher=voucher,
                code=format_code(voucher.code),
                state=state,
                badge=STATE_BADGES[state],
                link=voucher_link(voucher),
            )
        )
    return rows


@panel_view(Role.MANAGER)
def rewards_page(request: HttpRequest) -> HttpResponse:
    merchant = request.panel.merchant  # type: ignore[attr-defined]
    context = {
        "lotteries": list(lottery_selectors.lottery_list(merchant=merchant)),
        "batches": vouchers_selectors.batches_recent(merchant=merchant),
        "vouchers": voucher_rows(vouchers_selectors.vouchers_recent(merchant=merchant)),
    }
    return render(request, "panel/rewards/index.html", context)


def _search(request: HttpRequest, query: str) -> tuple[list[Card], str]:
    """Cards matching what the manager typed, or why there are none."""
    query = " ".join(query.split())
    if not query:
        return [], ""
    try:
        cards = cards_selectors.card_identify(merchant=request.panel.merchant, query=query)  # type: ignore[attr-defined]
    except ValidationFailed:
        return [], _("Type at least 2 characters.")
    return cards, "" if cards else _("No customer matches “%(query)s”.") % {"query": query}


@panel_view(Role.MANAGER)
def customer_search(request: HttpRequest) -> HttpResponse:
    """The small list of matching customers' cards that the voucher form's search box shows (htmx)."""
    cards, problem = _search(request, request.GET.get("q", ""))
    return render(
        request,
        "panel/rewards/_customer_results.html",
        {"cards": cards, "problem": problem, "chosen": request.GET.get("card", "")},
    )


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def voucher_new(request: HttpRequest) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    tz = panel.merchant.tz
    query = request.GET.get("q", "") if request.method == "GET" else request.POST.get("q", "")
    form = VoucherIssueForm(
        request.POST or None, tz=tz, currency=panel.merchant.currency, initial={"card": request.GET.get("card", "")}
    )
    chosen: Card | None = None
    if request.method == "POST" and form.is_valid():
        try:
            chosen = cards_selectors.card_get(merchant=panel.merchant, ref=form.cleaned_data["card"])
            voucher = issuing.voucher_issue_to_card(
                actor=panel.actor,
                card=chosen,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                validity=form.validity_value(),
                benefit=form.benefit(),
            )
        except NotFound:
            form.add_error("card", _("This card is not one of yours any more: search for the customer again."))
        except ApplicationError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request,
                _("The voucher “%(title)s” (%(code)s) is in %(name)s's card %(number)s.")
                % {
                    "title": voucher.title,
                    "code": format_code(voucher.code),
                    "name": chosen.customer.name,
                    "number": chosen.number,
                },
            )
            return HttpResponseRedirect(reverse("panel:rewards"))
    card_ref = form["card"].value() or ""
    if chosen is None and card_ref:
        chosen = cards_selectors.card_queryset_for_ref(panel.merchant, str(card_ref)).select_related("customer").first()
    cards, problem = _search(request, query)
    context = {"form": form, "query": query, "cards": cards, "problem": problem, "chosen_card": chosen}
    return render(request, "panel/rewards/voucher_form.html", context, status=422 if form.errors else 200)


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def batch_new(request: HttpRequest) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    form = BatchForm(request.POST or None, tz=panel.merchant.tz, currency=panel.merchant.currency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = issuing.voucher_batch_issue(
                actor=panel.actor,
                name=data["name"],
                purpose=data["purpose"],
                count=data["count"],
                title=data["title"],
                description=data["description"],
                validity=form.validity_value(),
                benefit=form.benefit(),
            )
        except ApplicationError as error:
            refusal_to_form(form, error)
        else:
            messages.success(request, _("%(count)d vouchers are ready to print or share.") % {"count": batch.count})
            return HttpResponseRedirect(reverse("panel:reward-batch", kwargs={"batch_id": batch.pk}))
    return render(request, "panel/rewards/batch_form.html", {"form": form}, status=422 if form.errors else 200)


@panel_view(Role.MANAGER)
def batch_page(request: HttpRequest, batch_id: str) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    batch = vouchers_selectors.batch_get(merchant=panel.merchant, batch_id=batch_id)
    rows = voucher_rows(vouchers_selectors.vouchers_of_batch(batch=batch))
    counts = {state: sum(row.state == state for row in rows) for state in VoucherState}
    return render(request, "panel/rewards/batch.html", {"batch": batch, "rows": rows, "counts": counts})


@panel_view(Role.MANAGER)
def batch_pdf(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The batch's printable A4 sheet (eight vouchers a page, QR to each voucher's page and the code's barcode)."""
    panel = request.panel  # type: ignore[attr-defined]
    batch = vouchers_selectors.batch_get(merchant=panel.merchant, batch_id=batch_id)
    document = pdf.batch_sheet(
        merchant=panel.merchant, batch=batch, vouchers=vouchers_selectors.vouchers_of_batch(batch=batch)
    )
    return pdf_attachment(document, filename=f"vouchers-{batch.pk}.pdf")


@panel_view(Role.MANAGER, methods=("POST",))
def voucher_cancel(request: HttpRequest, voucher_id: str) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    voucher = vouchers_selectors.voucher_get_by_id(merchant=panel.merchant, voucher_id=voucher_id)
    back = _back(request, voucher)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Nothing was cancelled: confirm the cancellation with its button."))
        return HttpResponseRedirect(back)
    try:
        services.voucher_cancel(actor=panel.actor, code=voucher.code, reason=request.POST.get("reason", "")[:300])
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Voucher %(code)s is cancelled.") % {"code": format_code(voucher.code)})
    return HttpResponseRedirect(back)


def _back(request: HttpRequest, voucher: Voucher) -> str:
    if voucher.batch_id:
        return reverse("panel:reward-batch", kwargs={"batch_id": voucher.batch_id})
    return reverse("panel:rewards")
