"""Ready-made programs per kind of business, a merchant's starting point in the designer.

Each template is a complete program (look and rules) that runs as it is; the merchant changes what they like.
Goals and rewards follow what such businesses commonly offer: a cafe's tenth coffee, a bakery's pastry and then a
bigger treat, a salon's discount voucher after a few visits, a restaurant's dessert and then a voucher.
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stampcard.cards.models import EarningRule, RewardKind, StampIcon


@dataclass(frozen=True)
class ProgramTemplate:
    key: str
    label: Promise
    description: Promise
    design: dict[str, Any]
    rules: dict[str, Any]
    milestones: list[dict[str, Any]] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """Program fields, translated to the active language (titles are the merchant's to change)."""
        milestones = [
            {**m, "title": str(m["title"]), "description": str(m.get("description", ""))} for m in self.milestones
        ]
        return {
            "name": str(self.label),
            **self.design,
            **self.rules,
            "milestones": milestones,
            "goal": milestones[-1]["at"],
            "reward_kind": milestones[-1]["kind"],
            "reward_title": milestones[-1]["title"],
            "reward_description": milestones[-1]["description"],
        }


TEMPLATES: dict[str, ProgramTemplate] = {
    t.key: t
    for t in (
        ProgramTemplate(
            key="cafe",
            label=_("Coffee card"),
            description=_("Every coffee earns a stamp; the tenth is on the house."),
            design={
                "background_color": "#3b2418",
                "foreground_color": "#fff8ef",
                "label_color": "#f5c16c",
                "stamp_icon": StampIcon.COFFEE,
            },
            rules={"earning_rule": EarningRule.PER_RECEIPT, "stamps_per_receipt": 1, "max_stamps_per_check": 1},
            milestones=[{"at": 9, "kind": RewardKind.AWARD, "title": _("Free coffee of your choice")}],
        ),
        ProgramTemplate(
            key="bakery",
            label=_("Bakery card"),
            description=_("A stamp per purchase: a free pastry at 5, a loaf of bread at 10."),
            design={
                "background_color": "#7c4a1e",
                "foreground_color": "#ffffff",
                "label_color": "#fde68a",
                "stamp_icon": StampIcon.CROISSANT,
            },
            rules={"earning_rule": EarningRule.PER_RECEIPT, "stamps_per_receipt": 1, "max_stamps_per_check": 1},
            milestones=[
                {"at": 5, "kind": RewardKind.AWARD, "title": _("Free pastry")},
                {"at": 10, "kind": RewardKind.AWARD, "title": _("Free loaf of bread")},
            ],
        ),
        ProgramTemplate(
            key="salon",
            label=_("Salon card"),
            # xgettext:no-python-format
            description=_("A stamp per visit; the sixth visit brings a 50% discount voucher."),
            design={
                "background_color": "#2e1065",
                "foreground_color": "#ffffff",
                "label_color": "#f0abfc",
                "stamp_icon": StampIcon.SCISSORS,
            },
            rules={"earning_rule": EarningRule.PER_RECEIPT, "stamps_per_receipt": 1, "max_stamps_per_check": 1},
            milestones=[
                {
                    "at": 6,
                    "kind": RewardKind.VOUCHER,
                    # xgettext:no-python-format
                    "title": _("50% off your next visit"),
                    "description": _("Show the voucher when you book."),
                    "voucher": {"validity": {"days": 60}, "benefit": {"kind": "percent", "value": 50}},
                }
            ],
        ),
        ProgramTemplate(
            key="restaurant",
            label=_("Restaurant card"),
            description=_("A stamp per 500 spent: a dessert at 4, a dinner voucher at 8."),
            design={
                "background_color": "#14532d",
                "foreground_color": "#ffffff",
                "label_color": "#fcd34d",
                "stamp_icon": StampIcon.STAR,
            },
            rules={"earning_rule": EarningRule.PER_AMOUNT, "amount_per_stamp": 50000, "max_stamps_per_check": 4},
            milestones=[
                {"at": 4, "kind": RewardKind.AWARD, "title": _("Free dessert")},
                {
                    "at": 8,
                    "kind": RewardKind.VOUCHER,
                    # xgettext:no-python-format
                    "title": _("Dinner for two, 20% off"),
                    "description": _("On any evening, drinks included."),
                    "voucher": {"validity": {"days": 90}, "benefit": {"kind": "percent", "value": 20}},
                },
            ],
        ),
    )
}


def template_get(key: str) -> ProgramTemplate:
    """The template ``key``; the cafe's for an unknown one."""
    return TEMPLATES.get(key, TEMPLATES["cafe"])
