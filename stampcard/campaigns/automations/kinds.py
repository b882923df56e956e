"""What each kind of automation is: what its days mean, their bounds and default, and whether its message is
marketing (sent only to customers who agreed) or a service notice about their own card (sent to anyone with an
email address)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stampcard.campaigns.automations.models import AutomationKind


@dataclass(frozen=True)
class KindSpec:
    kind: AutomationKind
    description: str | Promise
    days_label: str | Promise | None  # None: the kind has no days
    days_default: int = 0
    days_min: int = 0
    days_max: int = 365
    is_marketing: bool = True
    has_reminder: bool = False  # stamp expiry: a reminder some days before the lapse


SPECS: dict[str, KindSpec] = {
    spec.kind.value: spec
    for spec in (
        KindSpec(
            AutomationKind.WELCOME,
            _("A message to a customer who has just joined the program."),
            None,
        ),
        KindSpec(
            AutomationKind.BIRTHDAY,
            _(
                "Sent once a year, some days before the customer's birthday. A birthday entered less than 30 days "
                "before does not count, so nobody can type tomorrow's date for a gift."
            ),
            _("Days before the birthday"),
            days_default=3,
            days_max=30,
        ),
        KindSpec(
            AutomationKind.WIN_BACK,
            _("Sent once to a customer who has not visited for this many days; the next visit arms it again."),
            _("Days without a visit"),
            days_default=45,
            days_min=7,
        ),
        KindSpec(
            AutomationKind.ONE_TO_GO,
            _("Sent when a card is one stamp from the goal."),
            None,
        ),
        KindSpec(
            AutomationKind.REWARD_READY,
            _("Sent when a card reaches a reward: waiting at the counter, or a voucher in the card."),
            None,
            is_marketing=False,
        ),
        KindSpec(
            AutomationKind.VOUCHER_EXPIRING,
            _("Sent once for each voucher on a card that will expire within this many days."),
            _("Days before the voucher expires"),
            days_default=3,
            days_min=1,
            days_max=60,
            is_marketing=False,
        ),
        KindSpec(
            AutomationKind.STAMP_EXPIRY,
            _(
                "Stamps lapse after this many days without a visit (recorded in the card's journal). The message "
                "reminds the customer some days before."
            ),
            _("Stamps lapse after this many days without a visit"),
            days_default=180,
            days_min=14,
            days_max=730,
            is_marketing=False,
            has_reminder=True,
        ),
    )
}

REMINDER_MAX = 60
SEND_HOUR_DEFAULT = 10
SEND_HOUR_EARLIEST, SEND_HOUR_LATEST = 6, 20
# A message is never sent after this hour of the merchant's day: what comes due later waits for the next morning.
LATEST_HOUR = 21


def spec_of(kind: str) -> KindSpec:
    return SPECS[kind]
