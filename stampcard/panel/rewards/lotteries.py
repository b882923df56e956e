"""Lotteries in the panel: the editor (prizes whose chances total exactly 100%, limits, prize kinds), switching one
on and off, and what proves its draws fair (the published seed commitments and each draw's proof)."""

from typing import Any

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.core.errors import ApplicationError
from stampcard.lottery import proofs, selectors, services
from stampcard.lottery.errors import LotteryFrozen
from stampcard.lottery.models import Lottery, VariantKind
from stampcard.lottery.validation import percent
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_view
from stampcard.panel.refusals import refusal_field, refusal_to_form
from stampcard.panel.rewards.forms import LotteryForm, VariantFormSet, percent_to_ppm, variant_initial

KIND_SHORT = {
    VariantKind.AWARD: gettext_lazy("Gift"),
    VariantKind.VOUCHER: gettext_lazy("Voucher"),
    VariantKind.EXTRA_TRY: gettext_lazy("Extra try"),
    VariantKind.NOTHING: gettext_lazy("Nothing"),
}

STARTER_TABLE = (
    (VariantKind.AWARD, gettext_lazy("A free coffee"), "10"),
    (VariantKind.EXTRA_TRY, gettext_lazy("Spin again"), "20"),
    (VariantKind.NOTHING, gettext_lazy("Better luck next time"), "70"),
)


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def lottery_new(request: HttpRequest) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    initial = [{"kind": kind, "name": str(name), "probability": chance} for kind, name, chance in STARTER_TABLE]
    form = LotteryForm(request.POST or None)
    formset: Any = VariantFormSet(
        request.POST or None, prefix="prizes", initial=initial, form_kwargs={"currency": panel.merchant.currency}
    )
    if request.method == "POST" and _valid(form, formset):
        try:
            lottery = services.lottery_create(
                actor=panel.actor,
                name=form.cleaned_data["name"],
                draw_at=form.cleaned_data["draw_at"],
                variants=[f.as_variant() for f in formset.kept_forms()],
            )
        except ApplicationError as error:
            _refuse(form, formset, error)
        else:
            messages.success(request, _("The lottery “%(name)s” is saved and running.") % {"name": lottery.name})
            return HttpResponseRedirect(reverse("panel:reward-lottery", kwargs={"lottery_id": lottery.pk}))
    return _editor(request, form, formset, lottery=None, status=422 if request.method == "POST" else 200)


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def lottery_edit(request: HttpRequest, lottery_id: str) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    lottery = selectors.lottery_get(merchant=panel.merchant, lottery_id=lottery_id)
    frozen = selectors.lottery_has_draws(lottery=lottery)
    data = request.POST or None
    form = LotteryForm(data, initial={"name": lottery.name, "draw_at": lottery.draw_at})
    formset: Any = (
        None
        if frozen
        else VariantFormSet(
            data,
            prefix="prizes",
            initial=[variant_initial(v) for v in lottery.variants.all()],
            form_kwargs={"currency": panel.merchant.currency},
        )
    )
    if request.method == "POST" and _valid(form, formset):
        try:
            services.lottery_update(
                actor=panel.actor,
                lottery_id=lottery.pk,
                name=form.cleaned_data["name"],
                draw_at=form.cleaned_data["draw_at"],
                variants=None if formset is None else [f.as_variant() for f in formset.kept_forms()],
            )
        except LotteryFrozen as error:
            form.add_error(None, str(error.message))
        except ApplicationError as error:
            _refuse(form, formset, error)
        else:
            messages.success(request, _("The lottery “%(name)s” is saved.") % {"name": form.cleaned_data["name"]})
            return HttpResponseRedirect(reverse("panel:reward-lottery", kwargs={"lottery_id": lottery.pk}))
    return _editor(request, form, formset, lottery=lottery, status=422 if request.method == "POST" else 200)


def _valid(form: LotteryForm, formset: Any) -> bool:
    valid = form.is_valid()
    return (formset is None or formset.is_valid()) and valid


def _refuse(form: LotteryForm, formset: Any, error: ApplicationError) -> None:
    """Put a service's refusal where it belongs: ``variants.<i>.<field>`` under that prize's field."""
    field = refusal_field(error) or ""
    parts = field.split(".")
    if formset is not None and parts[0] == "variants" and len(parts) >= 3 and parts[1].isdigit():
        kept = formset.kept_forms()
        index = int(parts[1])
        if index < len(kept):
            name = parts[2] if parts[2] in kept[index].fields else None
            if name == "probability_ppm":
                name = "probability"
            kept[index].add_error(name if name in kept[index].fields else None, str(error.message))
            return
    refusal_to_form(form, error)


def _editor(
    request: HttpRequest, form: LotteryForm, formset: Any, *, lottery: Lottery | None, status: int
) -> HttpResponse:
    total = None
    if formset is not None:
        total = percent(formset.total_ppm()) if formset.is_bound else _initial_total(formset)
    context = {"form": form, "formset": formset, "lottery": lottery, "total": total, "frozen": formset is None}
    return render(request, "panel/rewards/lottery_form.html", context, status=status)


def _initial_total(formset: Any) -> str:
    return percent(sum(percent_to_ppm(str(row.get("probability") or "0")) for row in formset.initial or []))


@panel_view(Role.MANAGER)
def lottery_page(request: HttpRequest, lottery_id: str) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    lottery = selectors.lottery_get(merchant=panel.merchant, lottery_id=lottery_id)
    context = {
        "lottery": lottery,
        "odds": [{**row, "kind_label": KIND_SHORT[row["kind"]]} for row in services.lottery_odds(lottery=lottery)],
        "commitments": proofs.lottery_commitments(lottery=lottery)[:7],
        "draws": selectors.lottery_draws_recent(lottery=lottery),
        "frozen": selectors.lottery_has_draws(lottery=lottery),
        "commitments_api": f"/api/v1/lotteries/{lottery.pk}/commitments",
    }
    return render(request, "panel/rewards/lottery.html", context)


@panel_view(Role.MANAGER, methods=("POST",))
def lottery_active(request: HttpRequest, lottery_id: str) -> HttpResponse:
    """Switch a lottery on or off (``active`` = "1" or "0"). Off, a reached lottery reward waits un-spun."""
    panel = request.panel  # type: ignore[attr-defined]
    lottery = selectors.lottery_get(merchant=panel.merchant, lottery_id=lottery_id)
    active = request.POST.get("active")
    if active in ("0", "1"):
        lottery = services.lottery_update(actor=panel.actor, lottery_id=lottery.pk, is_active=active == "1")
        if lottery.is_active:
            messages.success(request, _("The lottery “%(name)s” is on.") % {"name": lottery.name})
        else:
            messages.success(request, _("The lottery “%(name)s” is off.") % {"name": lottery.name})
    return HttpResponseRedirect(reverse("panel:reward-lottery", kwargs={"lottery_id": lottery.pk}))


@panel_view(Role.MANAGER)
def lottery_proof(request: HttpRequest, lottery_id: str, draw_id: str) -> HttpResponse:
    """A draw's fairness proof, the same document ``GET /api/v1/lottery/draws/{id}/proof`` answers a staff key:
    whoever holds it can recompute the draw (docs/lottery-fairness.md) once the period's seed is revealed."""
    panel = request.panel  # type: ignore[attr-defined]
    lottery = selectors.lottery_get(merchant=panel.merchant, lottery_id=lottery_id)
    draw = selectors.lottery_draw_get(merchant=panel.merchant, draw_id=draw_id)
    if draw.lottery_id != lottery.pk:
        raise Http404("lottery_draw_not_found")
    return JsonResponse(
        proofs.draw_proof(draw=draw), encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
