"""The designer's forms, one per step: look, earning, goals and rewards (a formset of milestones), stamping,
self-service; plus a new program from a template and a program imported from a file."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stampcard.cards.catalogue import TEMPLATES
from stampcard.cards.milestones import MAX_GOAL, MAX_MILESTONES
from stampcard.cards.models import EarningRule, Program, RewardKind, StampIcon
from stampcard.core.validity import MAX_DAYS
from stampcard.lottery.models import Lottery
from stampcard.panel.benefits import BenefitFields, benefit_initial
from stampcard.referrals.models import ReferralSettings

MINOR_PER_MAJOR = 100  # the currencies merchants use here (UAH, EUR, PLN…) have two decimals
IMAGE_HELP = _("PNG or JPEG, up to 2 MB.")
MAX_UPLOAD = 2 * 1024 * 1024


class ColourInput(forms.TextInput):
    input_type = "color"


def _colour_field(label: Any) -> forms.RegexField:
    return forms.RegexField(
        label=label,
        regex=r"^#[0-9a-fA-F]{6}$",
        error_messages={"invalid": _("Use a colour like #1f2937.")},
        widget=ColourInput(attrs={"data-contrast": "1"}),
    )


def minor(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * MINOR_PER_MAJOR)


def major(amount: int | None) -> Decimal | None:
    return None if amount is None else Decimal(amount) / MINOR_PER_MAJOR


def _money_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class NewProgramForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Kind of business"),
        choices=[(key, t.label) for key, t in TEMPLATES.items()],
        initial="cafe",
        widget=forms.RadioSelect,
        help_text=_("A ready card to start from: goals, rewards, colours and stamp picture. You change them next."),
    )
    name = forms.CharField(
        label=_("Name of the card"),
        max_length=100,
        required=False,
        help_text=_("Customers see it on the card. Empty keeps the template's name."),
    )


class LookForm(forms.Form):
    name = forms.CharField(label=_("Name of the card"), max_length=100)
    background_color = _colour_field(_("Background colour"))
    foreground_color = _colour_field(_("Text colour"))
    label_color = _colour_field(_("Label and stamp colour"))
    stamp_icon = forms.ChoiceField(
        label=_("Stamp picture"), choices=StampIcon.choices, widget=forms.RadioSelect(attrs={"class": "icon-choice"})
    )
    logo = forms.ImageField(
        label=_("Logo"),
        required=False,
        help_text=_("Shown on the wallet passes, the web card and the join page. PNG with a transparent background."),
    )
    stamp_image = forms.ImageField(
        label=_("Your picture of a collected stamp"), required=False, help_text=_("Replaces the stamp picture.")
    )
    stamp_empty_image = forms.ImageField(
        label=_("Your picture of a stamp to collect"), required=False, help_text=IMAGE_HELP
    )
    strip_image = forms.ImageField(
        label=_("Picture behind the stamps"),
        required=False,
        help_text=_("Apple's strip and Google's hero: wide pictures work best (3:1)."),
    )

    FILE_FIELDS = ("logo", "stamp_image", "stamp_empty_image", "strip_image")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.FILE_FIELDS:
            upload = data.get(name)
            if upload and getattr(upload, "size", 0) > MAX_UPLOAD:
                self.add_error(name, _("The picture is larger than 2 MB."))
        return data

    def changes(self) -> dict[str, Any]:
        """The design fields to save: new uploads replace, a cleared picture becomes empty, untouched ones stay."""
        data = self.cleaned_data
        changes = {name: data[name] for name in ("name", "background_color", "foreground_color", "label_color")}
        changes["stamp_icon"] = data["stamp_icon"]
        for name in self.FILE_FIELDS:
            if data.get(name) is False:
                changes[name] = ""
            elif data.get(name):
                changes[name] = data[name]
        return {k: (v.lower() if k.endswith("_color") else v) for k, v in changes.items()}


class EarningForm(forms.Form):
    earning_rule = forms.ChoiceField(
        label=_("Customers earn stamps"), choices=EarningRule.choices, widget=forms.RadioSelect
    )
    stamps_per_receipt = forms.IntegerField(
        label=_("Stamps per receipt"), min_value=1, max_value=20, initial=1, required=False
    )
    amount_per_stamp = _money_field(
        _("Amount for one stamp"), help_text=_("For example 100.00: a check of 250.00 earns 2 stamps.")
    )
    max_stamps_per_check = forms.IntegerField(
        label=_("Most stamps per check"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Empty means no cap."),
    )
    min_check_total = _money_field(
        _("Smallest check that earns"), help_text=_("Checks below it earn nothing; 0 for any.")
    )

    def __init__(self, *args: Any, currency: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if currency:
            for name in ("amount_per_stamp", "min_check_total"):
                self.fields[name].label = f"{self.fields[name].label} ({currency})"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule = data.get("earning_rule")
        if rule == EarningRule.PER_AMOUNT and not data.get("amount_per_stamp"):
            self.add_error("amount_per_stamp", _("Say how much a customer spends for one stamp."))
        if rule == EarningRule.PER_RECEIPT and not data.get("stamps_per_receipt"):
            self.add_error("stamps_per_receipt", _("Say how many stamps a receipt earns."))
        return data

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        per_amount = data["earning_rule"] == EarningRule.PER_AMOUNT
        return {
            "earning_rule": data["earning_rule"],
            "stamps_per_receipt": data.get("stamps_per_receipt") or 1,
            "amount_per_stamp": minor(data.get("amount_per_stamp")) if per_amount else None,
            "max_stamps_per_check": data.get("max_stamps_per_check"),
            "min_check_total": minor(data.get("min_check_total")) or 0,
        }

    @staticmethod
    def initial_for(program: Program) -> dict[str, Any]:
        return {
            "earning_rule": program.earning_rule,
            "stamps_per_receipt": program.stamps_per_receipt,
            "amount_per_stamp": major(program.amount_per_stamp),
            "max_stamps_per_check": program.max_stamps_per_check,
            "min_check_total": major(program.min_check_total),
        }


class MilestoneForm(BenefitFields):
    at = forms.IntegerField(label=_("At stamps"), min_value=1, max_value=MAX_GOAL)
    kind = forms.ChoiceField(label=_("Reward"), choices=RewardKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100, help_text=_("For example: Free cappuccino."))
    description = forms.CharField(
        label=_("Details"), max_length=300, required=False, help_text=_("A voucher's benefit or the award's terms.")
    )
    validity_days = forms.IntegerField(
        label=_("Voucher valid for (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        help_text=_("Empty: the voucher never expires."),
    )
    lottery = forms.ChoiceField(label=_("Lottery"), required=False, choices=())

    def __init__(self, *args: Any, lotteries: list[Lottery] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lottery = self.fields["lottery"]
        assert isinstance(lottery, forms.ChoiceField)
        lottery.choices = [("", _("Choose a lottery"))] + [(str(x.pk), x.name) for x in lotteries or []]

    def benefit_applies(self, data: dict[str, Any]) -> bool:
        return data.get("kind") == RewardKind.VOUCHER

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == RewardKind.LOTTERY and not data.get("lottery"):
            self.add_error("lottery", _("Choose the lottery this milestone draws."))
        return data

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        entry: dict[str, Any] = {
            "at": data["at"],
            "kind": data["kind"],
            "title": data["title"],
            "description": data.get("description") or "",
        }
        if data["kind"] == RewardKind.VOUCHER:
            days = data.get("validity_days")
            entry["voucher"] = {"validity": {"days": days} if days else None}
            benefit = self.benefit()
            if benefit.is_discount:  # a gift stays unsaid, as ``cards.milestones`` keeps it
                entry["voucher"]["benefit"] = benefit.as_spec()
        if data["kind"] == RewardKind.LOTTERY:
            entry["lottery_id"] = data["lottery"]
        return entry

    @staticmethod
    def initial_for(milestone: dict[str, Any]) -> dict[str, Any]:
        terms = milestone.get("voucher") or {}
        validity = terms.get("validity") or {}
        return {
            **benefit_initial(terms.get("benefit")),
            "at": milestone["at"],
            "kind": milestone.get("kind", RewardKind.AWARD),
            "title": milestone.get("title", ""),
            "description": milestone.get("description", ""),
            "validity_days": validity.get("days"),
            "lottery": milestone.get("lottery_id", ""),
        }


class BaseMilestoneFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        previous = 0
        for form in self.forms:
            if form.cleaned_data.get("DELETE"):
                continue
            at = form.cleaned_data.get("at")
            if at is None:
                continue
            if at <= previous:
                raise forms.ValidationError(
                    _("Put the milestones in order: each needs more stamps than the one before."),
                    code="milestones_out_of_order",
                )
            previous = at

    def milestones(self) -> list[dict[str, Any]]:
        return [form.spec() for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


MilestoneFormSet: type[BaseMilestoneFormSet] = forms.formset_factory(  # type: ignore[assignment]
    MilestoneForm,
    formset=BaseMilestoneFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_MILESTONES,
    validate_min=True,
    validate_max=True,
    can_delete=True,
)


class StampingForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = ["stamping_mode", "receipt_claim_days"]
        widgets = {"stamping_mode": forms.RadioSelect}
        labels = {"stamping_mode": _("How stamps are given"), "receipt_claim_days": _("Receipt QR valid for (days)")}
        help_texts = {
            "stamping_mode": _("The cashier scans the card, or the customer scans a QR printed on the receipt."),
            "receipt_claim_days": _("How long the QR on a receipt can be scanned, from 1 to 365 days."),
        }


class SelfServiceForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = [
            "selfservice_stamps_per_visit",
            "selfservice_visit_window_minutes",
            "selfservice_daily_cap",
            "selfservice_device_scans_per_minute",
            "selfservice_voucher_cooldown_minutes",
            "alert_refusals_per_day",
            "alert_stamps_per_day",
        ]
        labels = {
            "selfservice_stamps_per_visit": _("Stamps per self-service scan"),
            "selfservice_visit_window_minutes": _("One visit lasts (minutes)"),
            "selfservice_daily_cap": _("Self-service stamps per day"),
            "selfservice_device_scans_per_minute": _("Scans per device per minute"),
            "selfservice_voucher_cooldown_minutes": _("Pause after a redeemed voucher (minutes)"),
            "alert_refusals_per_day": _("Alert after refused scans a day"),
            "alert_stamps_per_day": _("Alert after stamps a day"),
        }


class ReferralForm(forms.ModelForm):
    class Meta:
        model = ReferralSettings
        fields = ["mode", "reward_kind", "reward_stamps", "voucher_title", "voucher_days"]
        widgets = {"mode": forms.RadioSelect, "reward_kind": forms.RadioSelect}
        labels = {
            "mode": _("Who gets the reward"),
            "reward_kind": _("Reward"),
            "reward_stamps": _("Bonus stamps"),
            "voucher_title": _("Voucher title"),
            "voucher_days": _("Voucher valid for (days)"),
        }
        help_texts = {
            "mode": _(
                "Each web card shows its holder a personal link and QR. When a new customer joins through it and "
                "makes a first purchase, the reward goes to the one who invited, the friend, or both."
            ),
            "reward_stamps": _("Stamps added to the card, from 1 to 100; they count towards the goal."),
            "voucher_title": _("What the voucher gives, e.g. “Free dessert”."),
            "voucher_days": _("Empty for no end date."),
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Program file (JSON)"), help_text=_("A file exported from the designer, here or at another business.")
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 256 * 1024:
            raise forms.ValidationError(_("The file is larger than 256 KB; a program file is much smaller."))
        return upload
