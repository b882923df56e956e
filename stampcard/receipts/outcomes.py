"""What the customer reads about a receipt claim: why it gives nothing, and what its stamps reached.

Kept apart from the views so the wording is one place (and tested as sentences).
"""

from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from stampcard.cards.models import CheckState, RewardKind
from stampcard.core.errors import ApplicationError
from stampcard.lottery.models import VariantKind
from stampcard.merchants.errors import PlanLimitReached
from stampcard.receipts import errors
from stampcard.receipts.models import ReceiptToken, VoidReason
from stampcard.rewards import selectors as rewards_selectors
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers.presenters import voucher_urls


def _local(claim: ReceiptToken, moment: Any) -> str:
    return date_format(moment.astimezone(claim.merchant.tz), "DATETIME_FORMAT")


def void_text(claim: ReceiptToken) -> str:
    reason = claim.void_reason
    if reason == VoidReason.REFUSED:
        return _("The payment for this purchase did not go through, so the receipt gives no stamps.")
    if reason == VoidReason.CANCELLED:
        return _("This purchase was cancelled, so the receipt gives no stamps.")
    if reason == VoidReason.REVERSED:
        return _("This purchase was refunded, so the receipt gives no stamps.")
    return _("The shop withdrew this receipt, so it gives no stamps.")


def expired_text(claim: ReceiptToken) -> str:
    return _("This receipt's QR expired on %(when)s, so it gives no stamps any more.") % {
        "when": _local(claim, claim.expires_at)
    }


def claimed_text(claim: ReceiptToken, *, same_card: bool) -> str:
    if claim.check_ref is not None and claim.check_ref.state == CheckState.REVERSED:
        return _("This purchase was refunded, so its stamps were taken back.")
    if same_card:
        return _("Good news: you already collected this receipt's stamps on your card.")
    return _("This receipt's stamps were already collected. Each receipt gives its stamps once.")


def refusal_text(error: ApplicationError, claim: ReceiptToken) -> str:
    """The page's words for a collect that was refused."""
    if isinstance(error, errors.ReceiptAlreadyClaimed):
        return claimed_text(claim, same_card=bool(error.details.get("same_card")))
    if isinstance(error, errors.ReceiptVoided):
        return void_text(claim)
    if isinstance(error, errors.ReceiptExpired):
        return expired_text(claim)
    if isinstance(error, errors.CheckAlreadyStamped):
        return _("This receipt's stamps were already given at the counter.")
    if isinstance(error, PlanLimitReached):
        return _(
            "The shop cannot give stamps online right now. Your receipt stays valid: scan it again later, "
            "or show it at the counter."
        )
    return _("Your stamps could not be given right now. Your receipt stays valid: scan it again later.")


@dataclass(frozen=True)
class RewardLine:
    kind: str
    text: str
    url: str = ""


def _voucher_url(reward: Reward) -> str:
    voucher = getattr(reward, "voucher", None)
    return voucher_urls(voucher)["page"] if voucher is not None else ""


def _lottery_text(reward: Reward) -> str:
    draws = list(reward.lottery_draws.select_related("variant").order_by("created_at"))
    if not draws:
        return _("You have earned a lottery spin: %(title)s. Ask at the counter to spin it.") % {"title": reward.title}
    last = draws[-1]
    if last.outcome == VariantKind.AWARD:
        return _("Lottery: you won %(prize)s! Ask for it at the counter.") % {"prize": last.variant.name}
    if last.outcome == VariantKind.VOUCHER:
        return _("Lottery: you won %(prize)s. The voucher is in your card.") % {"prize": last.variant.name}
    return _("Lottery: no prize this time. Better luck with the next one!")


def reward_lines(claim: ReceiptToken) -> list[RewardLine]:
    """The rewards the claim's stamps reached, in the customer's words (lottery prizes are told with their draw)."""
    if claim.check_ref_id is None:
        return []
    lines = []
    for reward in rewards_selectors.rewards_of_check(check_id=claim.check_ref_id):
        if (reward.spec or {}).get("source") == "lottery" or reward.state == RewardState.WITHDRAWN:
            continue
        if reward.kind == RewardKind.VOUCHER:
            text = _("You have earned a voucher: %(title)s. It is in your card.") % {"title": reward.title}
            lines.append(RewardLine(kind=reward.kind, text=text, url=_voucher_url(reward)))
        elif reward.kind == RewardKind.LOTTERY:
            lines.append(RewardLine(kind=reward.kind, text=_lottery_text(reward)))
        else:
            text = _("You have earned: %(title)s! Ask for it at the counter.") % {"title": reward.title}
            lines.append(RewardLine(kind=reward.kind, text=text))
    return lines
