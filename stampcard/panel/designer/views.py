"""The card designer's pages: the program list, a new program from a template, the six steps of the editor with
their live preview, versions with "apply to issued cards", export and import.

Views only translate between forms and the services of ``cards`` and ``checkouts``; every write goes through them.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.cards import design as cards_design
from stampcard.cards import selectors as cards_selectors
from stampcard.cards.catalogue import TEMPLATES, template_get
from stampcard.cards.milestones import MAX_MILESTONES
from stampcard.cards.models import Program, RewardKind, StampIcon, StampingMode
from stampcard.cards.transfer import DocumentInvalid, program_export
from stampcard.checkouts import programs as checkouts_programs
from stampcard.core.errors import ValidationFailed
from stampcard.lottery import selectors as lottery_selectors
from stampcard.merchants.models import Role
from stampcard.panel import setup
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.designer import forms, preview
from stampcard.panel.models import SetupStep
from stampcard.panel.refusals import refusal_to_form
from stampcard.referrals import selectors as referrals_selectors
from stampcard.referrals import services as referrals_services


@dataclass(frozen=True)
class Step:
    slug: str
    label: Any
    url_name: str


STEPS = (
    Step("look", gettext_lazy("Look"), "panel:program-look"),
    Step("earning", gettext_lazy("Earning"), "panel:program-earning"),
    Step("goals", gettext_lazy("Goals & rewards"), "panel:program-goals"),
    Step("stamping", gettext_lazy("Stamping"), "panel:program-stamping"),
    Step("selfservice", gettext_lazy("Self-service"), "panel:program-selfservice"),
    Step("referral", gettext_lazy("Referral"), "panel:program-referral"),
    Step("review", gettext_lazy("Review"), "panel:program-review"),
)


def _program(request: HttpRequest, program_id: uuid.UUID) -> Program:
    return cards_selectors.program_get(merchant=panel_of(request).merchant, program_id=program_id)


def _saved(request: HttpRequest, program: Program, step: str) -> HttpResponseRedirect:
    """After a step is saved: the guided start learns the card is designed, and the editor moves on."""
    setup.setup_step_done(merchant=request.panel.merchant, step=SetupStep.DESIGN_CARD)  # type: ignore[attr-defined]
    slugs = [s.slug for s in STEPS]
    following = STEPS[min(slugs.index(step) + 1, len(STEPS) - 1)]
    return HttpResponseRedirect(reverse(following.url_name, kwargs={"program_id": program.pk}))


def _step_page(request: HttpRequest, program: Program, step: str, context: dict[str, Any]) -> HttpResponse:
    stamps = preview.preview_stamps(program, {})
    context = {
        "program": program,
        "steps": STEPS,
        "step": step,
        "step_label": next(s.label for s in STEPS if s.slug == step),
        "preview": _preview_context(program, stamps),
        **context,
    }
    return render(request, f"panel/designer/step_{step}.html", context)


def _preview_context(program: Program, stamps: int) -> dict[str, Any]:
    milestones = program.milestone_list()
    goal = int(milestones[-1]["at"])
    return {
        "program": program,
        "stamps": stamps,
        "goal": goal,
        "slots": preview.web_slots(program, stamps),
        "next_reward": next((m for m in milestones if m["at"] > stamps), milestones[-1]),
        "revision": preview.preview_revision(program),
        "warnings": preview.contrast_warnings(
            background=program.background_color, foreground=program.foreground_color, label=program.label_color
        ),
    }


# --- the list, new, import ------------------------------------------------------------------------------------------


@panel_view(Role.MANAGER)
def program_list_page(request: HttpRequest) -> HttpResponse:
    programs = cards_selectors.program_list(merchant=request.panel.merchant)  # type: ignore[attr-defined]
    return render(request, "panel/designer/list.html", {"programs": programs})


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def program_new_page(request: HttpRequest) -> HttpResponse:
    form = forms.NewProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = template_get(form.cleaned_data["template"]).fields()
        if form.cleaned_data["name"]:
            fields["name"] = form.cleaned_data["name"]
        try:
            program = checkouts_programs.program_create(actor=request.panel.actor, fields=fields)  # type: ignore[attr-defined]
        except ValidationFailed as error:
            refusal_to_form(form, error)
        else:
            setup.setup_step_done(merchant=request.panel.merchant, step=SetupStep.DESIGN_CARD)  # type: ignore[attr-defined]
            messages.success(request, _("The card is ready. Make it yours, step by step."))
            return HttpResponseRedirect(reverse("panel:program-look", kwargs={"program_id": program.pk}))
    return render(request, "panel/designer/new.html", {"form": form, "templates": TEMPLATES.values()})


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def program_import_page(request: HttpRequest) -> HttpResponse:
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            data = json.loads(form.cleaned_data["file"].read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            form.add_error("file", _("The file is not JSON. Choose a file exported from the designer."))
        else:
            try:
                program = checkouts_programs.program_import(actor=request.panel.actor, data=data)  # type: ignore[attr-defined]
            except DocumentInvalid as error:
                problems = error.problems
            else:
                messages.success(request, _("“%(name)s” was imported as a new card.") % {"name": program.name})
                return HttpResponseRedirect(reverse("panel:program-review", kwargs={"program_id": program.pk}))
    status = 422 if problems else 200
    return render(request, "panel/designer/import.html", {"form": form, "problems": problems}, status=status)


@panel_view(Role.MANAGER)
def program_export_file(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    program = _program(request, program_id)
    response = JsonResponse(program_export(program=program), json_dumps_params={"indent": 2, "ensure_ascii": False})
    name = slugify(program.name) or "program"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


# --- the editor's steps ---------------------------------------------------------------------------------------------


@panel_view(Role.MANAGER)
def program_edit_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    program = _program(request, program_id)
    return HttpResponseRedirect(reverse("panel:program-look", kwargs={"program_id": program.pk}))


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def program_look_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    program = _program(request, program_id)
    initial = {name: getattr(program, name) for name in cards_design.DESIGN_FIELDS}
    form = forms.LookForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cards_design.program_design_update(
                actor=request.panel.actor,  # type: ignore[attr-defined]
                program_id=str(program.pk),
                **form.changes(),
            )
        except ValidationFailed as error:
            refusal_to_form(form, error)
        else:
            messages.success(request, _("The look is saved; every card shows it now."))
            return _saved(request, program, "look")
    icons = [{"value": value, "label": label} for value, label in StampIcon.choices]
    return _step_page(request, program, "look", {"form": form, "icons": icons})


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def program_earning_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    program = _program(request, program_id)
    currency = request.panel.merchant.currency  # type: ignore[attr-defined]
    form = forms.EarningForm(request.POST or None, initial=forms.EarningForm.initial_for(program), currency=currency)
    if request.method == "POST" and form.is_valid():
        return _rules_save(request, program, "earning", form, form.changes())
    return _step_page(request, program, "earning", {"form": form})


def _lotteries(request: HttpRequest) -> list[Any]:
    return list(lottery_selectors.lottery_list(merchant=request.panel.merchant))  # type: ignore[attr-defined]


MILESTONES = "milestones"  # the formset's prefix


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def program_goals_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    program = _program(request, program_id)
    lotteries = _lotteries(request)
    form_kwargs = {"lotteries": lotteries, "currency": program.merchant.currency}
    formset: forms.BaseMilestoneFormSet
    if request.method == "POST":
        formset = forms.MilestoneFormSet(request.POST, form_kwargs=form_kwargs, prefix=MILESTONES)
        if "add" in request.POST:  # without JavaScript: one more empty row, nothing saved
            data = request.POST.copy()
            try:
                rows = int(data.get(f"{MILESTONES}-TOTAL_FORMS", "0"))
            except ValueError:
                rows = 0
            data[f"{MILESTONES}-TOTAL_FORMS"] = str(min(rows + 1, MAX_MILESTONES))
            formset = forms.MilestoneFormSet(data, form_kwargs=form_kwargs, prefix=MILESTONES)
            formset._errors = []  # type: ignore[attr-defined]  # a row being added is not an error yet
            return _step_page(request, program, "goals", {"formset": formset, "lotteries": lotteries, "adding": True})
        if formset.is_valid():
            milestones = formset.milestones()
            last = milestones[-1]
            changes = {
                "milestones": milestones,
                "reward_kind": last["kind"],
                "reward_title": last["title"],
                "reward_description": last["description"],
            }
            return _rules_save(request, program, "goals", formset, changes)
    else:
        initial = [forms.MilestoneForm.initial_for(m) for m in program.milestone_list()]
        formset = forms.MilestoneFormSet(initial=initial, form_kwargs=form_kwargs, prefix=MILESTONES)
    return _step_page(request, program, "goals", {"formset": formset, "lotteries": lotteries})


def _rules_save(request: HttpRequest, program: Program, step: str, form: Any, changes: dict[str, Any]) -> HttpResponse:
    """Rules change through ``program_update``: a running program gets a new version, offered to issued cards."""
    try:
        version = checkouts_programs.program_update(
            actor=request.panel.actor,  # type: ignore[attr-defined]
            program_id=str(program.pk),
            **changes,
        )
    except ValidationFailed as error:
        if isinstance(form, forms.forms.BaseFormSet):
            form._non_form_errors = form.error_class([str(error.message)])  # type: ignore[attr-defined]
            lotteries = _lotteries(request)
            return _step_page(request, program, step, {"formset": form, "lotteries": lotteries})
        refusal_to_form(form, error)
        return _step_page(request, program, step, {"form": form})
    if version.number != program.version:
        outdated = cards_selectors.program_cards_outdated_count(program=version.program)
        messages.success(
            request,
            _(
                "Saved as version %(number)d. New cards follow it; "
                "%(count)d issued cards keep their rules until you apply it."
            )
            % {"number": version.number, "count": outdated},
        )
    else:
        messages.success(request, _("Saved. Nothing in the rules changed."))
    return _saved(request, program, step)


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def program_stamping_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    return _settings_step(request, program_id, "stamping", forms.StampingForm)


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def program_selfservice_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    return _settings_step(request, program_id, "selfservice", forms.SelfServiceForm)


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def program_referral_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    program = _program(request, program_id)
    current = referrals_selectors.referral_settings_of(program=program)
    form = forms.ReferralForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            referrals_services.referral_settings_update(
                actor=panel_of(request).actor,
                program_id=program.pk,
                **{name: form.cleaned_data[name] for name in forms.ReferralForm.Meta.fields},
            )
        except ValidationFailed as error:
            refusal_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return _saved(request, program, "referral")
    return _step_page(request, program, "referral", {"form": form})


def _settings_step(request: HttpRequest, program_id: uuid.UUID, step: str, form_class: Any) -> HttpResponse:
    program = _program(request, program_id)
    form = form_class(request.POST or None, instance=Program.objects.get(pk=program.pk))
    if request.method == "POST" and form.is_valid():
        try:
            cards_design.program_settings_update(
                actor=request.panel.actor,  # type: ignore[attr-defined]
                program_id=str(program.pk),
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except ValidationFailed as error:
            refusal_to_form(form, error)
        else:
            messages.success(request, _("Saved."))
            return _saved(request, program, step)
    return _step_page(request, program, step, {"form": form})


@panel_view(Role.MANAGER)
def program_review_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    program = _program(request, program_id)
    lotteries = {str(x.pk): x.name for x in _lotteries(request)}
    kinds = {
        RewardKind.AWARD: _("Award"),
        RewardKind.VOUCHER: _("Voucher"),
        RewardKind.LOTTERY: _("Lottery"),
    }
    milestones = [
        {**m, "lottery_name": lotteries.get(m.get("lottery_id", ""), ""), "kind_label": kinds.get(m["kind"], "")}
        for m in program.milestone_list()
    ]
    context = {
        "milestones": milestones,
        "outdated": cards_selectors.program_cards_outdated_count(program=program),
        "currency": request.panel.merchant.currency,  # type: ignore[attr-defined]
        "amount_per_stamp": forms.major(program.amount_per_stamp),
        "min_check_total": forms.major(program.min_check_total),
        "receipt_qr": program.stamping_mode == StampingMode.RECEIPT_QR,
    }
    return _step_page(request, program, "review", context)


# --- the preview ----------------------------------------------------------------------------------------------------


@panel_view(Role.MANAGER)
def program_preview_fragment(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    """The preview's HTML with the form's unsaved values (``?background_color=…&marks=3,6&stamps=2``)."""
    draft = preview.program_preview(_program(request, program_id), request.GET)
    stamps = preview.preview_stamps(draft, request.GET)
    params = request.GET.copy()
    params["stamps"] = str(stamps)
    context = {"preview": _preview_context(draft, stamps), "query": params.urlencode(), "program": draft}
    return render(request, "panel/designer/_preview.html", context)


@panel_view(Role.MANAGER)
def program_preview_image(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    """The strip (``wallet=apple``) or hero (``wallet=google``) the wallets would draw, or a stamp picture sample
    (``sample=<icon>``), with the form's unsaved values."""
    draft = preview.program_preview(_program(request, program_id), request.GET)
    sample = request.GET.get("sample")
    if sample:
        if sample not in StampIcon.values:
            raise Http404
        data = preview.icon_sample_png(program=draft, icon=sample)
    else:
        wallet = "google" if request.GET.get("wallet") == "google" else "apple"
        data = preview.preview_png(program=draft, wallet=wallet, stamps=preview.preview_stamps(draft, request.GET))
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=60"
    return response


# --- versions -------------------------------------------------------------------------------------------------------


def _changes(version: Any) -> list[dict[str, Any]]:
    labels = {
        "goal": _("Goal"),
        "earning_rule": _("Earning"),
        "stamps_per_receipt": _("Stamps per receipt"),
        "amount_per_stamp": _("Amount for one stamp"),
        "min_check_total": _("Smallest check that earns"),
        "max_stamps_per_check": _("Most stamps per check"),
        "reward_kind": _("Reward"),
        "reward_title": _("Reward title"),
        "reward_description": _("Reward details"),
        "milestones": _("Milestones"),
    }
    rows = []
    for name, (before, after) in (version.changes or {}).items():
        if name == "milestones":
            before = ", ".join(f"{m['at']}: {m['title']}" for m in before or []) or "—"
            after = ", ".join(f"{m['at']}: {m['title']}" for m in after or []) or "—"
        elif name in ("amount_per_stamp", "min_check_total"):
            before, after = forms.major(before), forms.major(after)
        rows.append({"field": labels.get(name, name), "before": before, "after": after})
    return rows


@panel_view(Role.MANAGER)
def program_versions_page(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    program = _program(request, program_id)
    versions = [{"version": v, "changes": _changes(v)} for v in cards_selectors.program_version_list(program=program)]
    context = {
        "program": program,
        "versions": versions,
        "outdated": cards_selectors.program_cards_outdated_count(program=program),
        "steps": STEPS,
    }
    return render(request, "panel/designer/versions.html", context)


@panel_view(Role.MANAGER, methods=("POST",))
def program_regenerate(request: HttpRequest, program_id: uuid.UUID) -> HttpResponse:
    """Move the issued cards onto the latest rules (runs now: it goes in short batches, tills keep stamping)."""
    program = _program(request, program_id)
    moved = checkouts_programs.program_cards_regenerate(actor=request.panel.actor, program_id=str(program.pk))  # type: ignore[attr-defined]
    messages.success(
        request,
        _("%(count)d cards now follow version %(number)d.") % {"count": moved, "number": program.version},
    )
    return HttpResponseRedirect(reverse("panel:program-versions", kwargs={"program_id": program.pk}))
