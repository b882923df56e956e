"""The campaign form and its audience builder: rows of conditions a person picks from lists, which become the audience
rule (``campaigns.audiences.rules``); nobody types JSON. The services re-check everything."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from stampcard.campaigns.audiences.rules import Platform, Segment
from stampcard.campaigns.campaigns.models import Campaign
from stampcard.campaigns.campaigns.services import MAX_HOLDOUT, MAX_RESULTS_DAYS, CampaignInput
from stampcard.campaigns.messages import limits
from stampcard.campaigns.messages.models import MessageChannel
from stampcard.cards.models import Program
from stampcard.customers.languages import language_name_inline
from stampcard.merchants.models import Location, Merchant

CONDITION_ROWS = 6
# The inputs each kind of condition uses (the page shows only those: see the template's style).
PARAMS: dict[str, tuple[str, ...]] = {
    Segment.PROGRAM: ("program",),
    Segment.LAST_LOCATION: ("location",),
    Segment.STAMPS_TO_GOAL: ("number",),
    Segment.LAST_VISIT: ("recency", "days"),
    Segment.VISITS: ("number", "days"),
    Segment.WALLET: ("platform",),
    Segment.LANGUAGE: ("language",),
    Segment.CONSENT: ("consent",),
}


class ConditionForm(forms.Form):
    """One condition of the audience; a row left on "—" is not used."""

    segment = forms.ChoiceField(label=_("Condition"), choices=[("", "—"), *Segment.choices], required=False)
    group = forms.TypedChoiceField(
        label=_("Group"),
        choices=[(n, str(n)) for n in range(1, CONDITION_ROWS + 1)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none(), required=False)
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none(), required=False)
    recency = forms.ChoiceField(
        label=_("When"),
        choices=[("within", _("within the last")), ("more_than", _("more than"))],
        required=False,
    )
    number = forms.IntegerField(label=_("Stamps or visits"), min_value=1, max_value=1000, required=False)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=3650, required=False)
    platform = forms.ChoiceField(label=_("Wallet"), choices=Platform.choices, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False)
    consent = forms.ChoiceField(label=_("Agreed"), choices=[("yes", _("Yes")), ("no", _("No"))], required=False)

    def __init__(self, *args: Any, merchant: Merchant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(merchant=merchant).order_by("name")  # type: ignore[attr-defined]
        self.fields["location"].queryset = Location.objects.filter(merchant=merchant).order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("segment")
        for name in PARAMS.get(kind or "", ()):
            if data.get(name) in (None, ""):
                self.add_error(name, _("Fill this in for the condition."))
        return data

    def rule(self) -> dict[str, Any] | None:
        """The segment this row stands for, or None for an unused row."""
        data = self.cleaned_data
        kind = data.get("segment")
        if not kind:
            return None
        node: dict[str, Any] = {"segment": kind}
        if kind == Segment.PROGRAM:
            node["program"] = str(data["program"].pk)
        elif kind == Segment.LAST_LOCATION:
            node["location"] = str(data["location"].pk)
        elif kind == Segment.STAMPS_TO_GOAL:
            node["at_most"] = data["number"]
        elif kind == Segment.LAST_VISIT:
            node[f"{data['recency']}_days"] = data["days"]
        elif kind == Segment.VISITS:
            node["days"], node["at_least"] = data["days"], data["number"]
        elif kind == Segment.WALLET:
            node["platform"] = data["platform"]
        elif kind == Segment.LANGUAGE:
            node["language"] = data["language"]
        elif kind == Segment.CONSENT:
            node["marketing_email"] = data["consent"] == "yes"
        return node


def condition_initial(node: dict[str, Any]) -> dict[str, Any]:
    """A stored segment as the row's initial values (the reverse of ``ConditionForm.rule``)."""
    kind = node.get("segment", "")
    initial: dict[str, Any] = {"segment": kind}
    if kind == Segment.PROGRAM:
        initial["program"] = node.get("program")
    elif kind == Segment.LAST_LOCATION:
        initial["location"] = node.get("location")
    elif kind == Segment.STAMPS_TO_GOAL:
        initial["number"] = node.get("at_most")
    elif kind == Segment.LAST_VISIT:
        initial["recency"] = "within" if "within_days" in node else "more_than"
        initial["days"] = node.get("within_days") or node.get("more_than_days")
    elif kind == Segment.VISITS:
        initial["days"], initial["number"] = node.get("days"), node.get("at_least")
    elif kind == Segment.WALLET:
        initial["platform"] = node.get("platform")
    elif kind == Segment.LANGUAGE:
        initial["language"] = node.get("language")
    elif kind == Segment.CONSENT:
        initial["consent"] = "yes" if node.get("marketing_email") else "no"
    return initial


class BaseConditions(forms.BaseFormSet):
    def __init__(self, *args: Any, merchant: Merchant, **kwargs: Any) -> None:
        self.merchant = merchant
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "merchant": self.merchant}


Conditions = forms.formset_factory(ConditionForm, formset=BaseConditions, extra=0, max_num=CONDITION_ROWS)


def conditions_for(merchant: Merchant, data: Any = None, audience: dict[str, Any] | None = None) -> BaseConditions:
    """The builder's rows, from the stored rule (``rows_of``) and empty rows up to CONDITION_ROWS."""
    initial = rows_of(audience or {})[:CONDITION_ROWS]
    initial += [{"group": len(initial) + 1 + n} for n in range(CONDITION_ROWS - len(initial))]
    return Conditions(data, prefix="c", initial=initial, merchant=merchant)  # type: ignore[call-arg,return-value]


def rows_of(rule: dict[str, Any]) -> list[dict[str, Any]]:
    """A stored rule as rows: each child of the top group is a group of rows (a lone condition is a group of one);
    a deeper group (made through the API) shows its conditions flattened into its row group."""
    rows = []
    for number, child in enumerate(rule.get("rules", []), start=1):
        rows += [{**condition_initial(node), "group": number} for node in _segments(child)]
    return rows


def builder_shows(rule: dict[str, Any]) -> bool:
    """Whether the builder's rows say exactly what ``rule`` says: at most CONDITION_ROWS conditions, groups one level
    deep, every group combining its conditions the same way. A rule made through the API may say more (deeper
    groups, more conditions); the builder then shows a simplified view and keeps the rule unless its rows change."""
    groups = [child for child in rule.get("rules", []) if "segment" not in child]
    if any("segment" not in node for group in groups for node in group.get("rules", [])):
        return False
    if len({group.get("match", "any") for group in groups}) > 1:
        return False
    return len(_segments(rule)) <= CONDITION_ROWS


def inner_match_of(rule: dict[str, Any]) -> str:
    """How the conditions of one row group combine: the match of the first group in the rule ("any" when the top
    matches all, the usual "this AND (that OR that)")."""
    for child in rule.get("rules", []):
        if "segment" not in child:
            return str(child.get("match", "any"))
    return "any" if rule.get("match", "all") == "all" else "all"


def _segments(rule: dict[str, Any]) -> list[dict[str, Any]]:
    if "segment" in rule:
        return [rule]
    return [node for child in rule.get("rules", []) for node in _segments(child)]


def audience_from(match: str, conditions: BaseConditions, inner_match: str = "any") -> dict[str, Any]:
    """The rule the rows stand for: rows of one group combine by ``inner_match``, the groups by ``match``."""
    groups: dict[int, list[dict[str, Any]]] = {}
    for index, form in enumerate(conditions.forms, start=1):
        if form.is_valid() and (node := form.rule()):
            groups.setdefault(form.cleaned_data.get("group") or index, []).append(node)
    inner = inner_match if inner_match in ("all", "any") else "any"
    children = [
        nodes[0] if len(nodes) == 1 else {"match": inner, "rules": nodes} for _number, nodes in sorted(groups.items())
    ]
    return {"match": match if match in ("all", "any") else "all", "rules": children}


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=100, help_text=_("For you; customers do not see it."))
    match = forms.ChoiceField(
        label=_("Customers who match"),
        choices=[("all", _("all of the groups")), ("any", _("any of the groups"))],
        initial="all",
        widget=forms.RadioSelect,
    )
    inner_match = forms.ChoiceField(
        label=_("Within a group, customers who match"),
        choices=[("any", _("any of its conditions")), ("all", _("all of its conditions"))],
        initial="any",
        widget=forms.RadioSelect,
        help_text=_("Give conditions the same group number to combine them this way, e.g. “visited Podil OR Obolon”."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Send by"),
        choices=MessageChannel.choices,
        initial=[MessageChannel.EMAIL],
        widget=forms.CheckboxSelectMultiple,
    )
    voucher_title = forms.CharField(
        label=_("Voucher for each recipient"),
        max_length=100,
        required=False,
        help_text=_("E.g. “Free cookie”. Leave empty to send no voucher."),
    )
    voucher_days = forms.IntegerField(label=_("Voucher valid for (days)"), min_value=1, max_value=365, required=False)
    holdout_percent = forms.IntegerField(
        label=_("Hold out (%)"),
        min_value=0,
        max_value=MAX_HOLDOUT,
        initial=0,
        help_text=_("This share of the audience gets nothing, so you can see what the campaign changed."),
    )
    results_days = forms.IntegerField(
        label=_("Count visits for (days)"), min_value=1, max_value=MAX_RESULTS_DAYS, initial=14
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, _name in settings.LANGUAGES:
            language = language_name_inline(code)
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": language},
                max_length=limits.EMAIL_SUBJECT_MAX,
                required=False,
            )
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": language},
                max_length=limits.EMAIL_TEXT_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
            self.fields[f"wallet_{code}"] = forms.CharField(
                label=_("Wallet message (%(language)s)") % {"language": language},
                max_length=limits.WALLET_TEXT_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": limits.WALLET_TEXT_MAX}),
                help_text=ngettext_lazy(
                    "What the lock screen shows, at most %(limit)d character. Leave empty to use the text.",
                    "What the lock screen shows, at most %(limit)d characters. Leave empty to use the text.",
                    "limit",
                )
                % {"limit": limits.WALLET_TEXT_MAX},
            )

    @property
    def language_fields(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"subject_{code}"], self[f"text_{code}"], self[f"wallet_{code}"])
            for code, _name in settings.LANGUAGES
        ]

    def parts(self) -> dict[str, dict[str, str]]:
        """The texts written, per language; a language left empty is not sent (its readers get another)."""
        data = self.cleaned_data
        fields = ("subject", "text", "wallet")
        return {
            code: {name: data.get(f"{name}_{code}", "") for name in fields}
            for code, _name in settings.LANGUAGES
            if any(data.get(f"{name}_{code}") for name in fields)
        }

    def campaign_input(self, audience: dict[str, Any]) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(
            name=data["name"],
            audience=audience,
            channels=list(data["channels"]),
            parts=self.parts(),
            voucher_title=data.get("voucher_title") or "",
            voucher_days=data.get("voucher_days"),
            holdout_percent=data["holdout_percent"],
            results_days=data["results_days"],
        )


def campaign_initial(campaign: Campaign) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": campaign.name,
        "match": campaign.audience.get("match", "all"),
        "inner_match": inner_match_of(campaign.audience),
        "channels": campaign.channels,
        "voucher_title": campaign.voucher_title,
        "voucher_days": campaign.voucher_days,
        "holdout_percent": campaign.holdout_percent,
        "results_days": campaign.results_days,
    }
    for code, part in campaign.parts.items():
        for name in ("subject", "text", "wallet"):
            initial[f"{name}_{code}"] = part.get(name, "")
    return initial


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("In your business's time zone. Leave empty to send now."),
    )


class TestSendForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the test"), choices=settings.LANGUAGES)
