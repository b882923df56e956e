"""Milestones: several goals on one card (3 -> small gift, 6 -> medium, 9 -> final; the card resets after the last).

A program without milestones has one: its goal. Reaching an intermediate milestone issues its reward and keeps the
stamps; reaching the last one issues its reward, takes its stamps off the card and starts the next round. Which
milestones a balance crosses is a pure function here, so the checkout preview and the real issue agree by
construction.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from stampcard.cards.models import RewardKind
from stampcard.core.benefit import Benefit
from stampcard.core.errors import ValidationFailed
from stampcard.core.validity import Validity

MAX_MILESTONES = 10
MAX_GOAL = 100


@dataclass(frozen=True)
class Crossing:
    index: int
    spec: dict[str, Any]
    stamps_spent: int  # the last milestone of a round takes its stamps; the others keep them

    @property
    def resets(self) -> bool:
        return self.stamps_spent > 0


def milestones_crossed(*, stamps: int, reached: int, milestones: list[dict[str, Any]]) -> list[Crossing]:
    """The milestones a card holding ``stamps``, with ``reached`` milestones of its round rewarded, now crosses."""
    crossings: list[Crossing] = []
    last = len(milestones) - 1
    while True:
        index = min(reached, last)  # a program change may leave fewer milestones than a card had reached
        spec = milestones[index]
        if stamps < spec["at"]:
            return crossings
        spent = spec["at"] if index == last else 0
        crossings.append(Crossing(index=index, spec=spec, stamps_spent=spent))
        stamps -= spent
        reached = 0 if index == last else index + 1


def milestones_clean(raw: list[dict[str, Any]], *, lottery_ids: set[str]) -> list[dict[str, Any]]:
    """Validate and normalise a program's milestones; ``lottery_ids`` are the merchant's lotteries.

    Raises ValidationFailed naming the offending entry, e.g. ``milestones[1].at``.
    """
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_MILESTONES:
        raise ValidationFailed(_("Give between 1 and 10 milestones."), code="invalid_milestones", field="milestones")
    cleaned: list[dict[str, Any]] = []
    previous = 0
    for i, item in enumerate(raw):
        where = f"milestones[{i}]"
        if not isinstance(item, dict):
            raise ValidationFailed(code="invalid_milestones", field=where)
        at = item.get("at")
        if not isinstance(at, int) or isinstance(at, bool) or not previous < at <= MAX_GOAL:
            raise ValidationFailed(
                _("Milestones count stamps from 1 to 100, each above the one before."),
                code="invalid_milestones",
                field=f"{where}.at",
            )
        previous = at
        kind = item.get("kind", RewardKind.AWARD)
        if kind not in RewardKind.values:
            raise ValidationFailed(code="invalid_milestones", field=f"{where}.kind")
        title = " ".join(str(item.get("title") or "").split())
        if not 1 <= len(title) <= 100:
            raise ValidationFailed(
                _("Each milestone needs a title of up to 100 characters."),
                code="invalid_milestones",
                field=f"{where}.title",
            )
        entry: dict[str, Any] = {
            "at": at,
            "kind": kind,
            "title": title,
            "description": str(item.get("description") or ""),
        }
        if item.get("image_url"):
            entry["image_url"] = str(item["image_url"])
        if kind == RewardKind.VOUCHER:
            terms = item.get("voucher") or {}
            entry["voucher"] = {"validity": _validity_clean(terms, field=f"{where}.voucher")}
            benefit = _benefit_clean(terms, field=f"{where}.voucher")
            if benefit.is_discount:  # a gift stays unsaid, so milestones saved before benefits existed read the same
                entry["voucher"]["benefit"] = benefit.as_spec()
        if kind == RewardKind.LOTTERY:
            lottery_id = str(item.get("lottery_id") or "")
            if lottery_id not in lottery_ids:
                raise ValidationFailed(
                    _("Choose one of your lotteries for this milestone."),
                    code="lottery_not_found",
                    field=f"{where}.lottery_id",
                )
            entry["lottery_id"] = lottery_id
        cleaned.append(entry)
    return cleaned


def _benefit_clean(voucher: Any, *, field: str) -> Benefit:
    if not isinstance(voucher, dict):
        raise ValidationFailed(code="invalid_milestones", field=field)
    try:
        return Benefit.from_spec(voucher.get("benefit"))
    except ValidationFailed as error:
        raise ValidationFailed(error.message, code=error.code, field=f"{field}.benefit") from None


def _validity_clean(voucher: dict[str, Any], *, field: str) -> dict[str, Any] | None:
    try:
        validity = Validity.from_spec(voucher.get("validity"))
    except ValidationFailed as error:
        raise ValidationFailed(error.message, code=error.code, field=f"{field}.validity") from None
    return validity.as_spec() if validity is not None else None
