"""What a campaign came to: its deliveries, and what recipients did afterwards beside the holdout.

Delivered, failed and skipped (per reason) come from the campaign's message. "Opened the card" is a recipient whose
web card was opened after the sending (``public.models.CardOpen``; a wallet app opening the pass is not seen).
Visits (stamped checks) and voucher redemptions come from the ledger, in the ``results_days`` after sending, for the
recipients and for the holdout alike; the difference of the two rates is the campaign's lift.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Exists, OuterRef, QuerySet

from stampcard.campaigns.campaigns.models import Campaign, CampaignRecipient
from stampcard.campaigns.messages import selectors as messages_selectors
from stampcard.campaigns.messages.models import REASONS
from stampcard.cards.models import CardEvent, EventKind
from stampcard.public.models import CardOpen


@dataclass(frozen=True)
class GroupResult:
    """One side of the comparison (the recipients, or the holdout)."""

    size: int
    opened: int
    visited: int
    redeemed: int

    def rate(self, count: int) -> float | None:
        return round(100 * count / self.size, 1) if self.size else None

    @property
    def opened_rate(self) -> float | None:
        return self.rate(self.opened)

    @property
    def visited_rate(self) -> float | None:
        return self.rate(self.visited)

    @property
    def redeemed_rate(self) -> float | None:
        return self.rate(self.redeemed)


@dataclass(frozen=True)
class Results:
    audience: int
    pending: int
    delivered: int
    failed: int
    skipped: int
    reasons: dict[str, int] = field(default_factory=dict)
    vouchers_issued: int = 0
    days: int = 14
    recipients: GroupResult | None = None
    holdout: GroupResult | None = None

    @property
    def reasons_text(self) -> list[tuple[str, str, int]]:
        return [(code, str(REASONS.get(code, code)), n) for code, n in sorted(self.reasons.items())]

    def lift(self, metric: str) -> float | None:
        """Percentage points the recipients' rate of ``metric`` ("visited", "redeemed") is above the holdout's."""
        if self.recipients is None or self.holdout is None or not self.holdout.size:
            return None
        ours, theirs = getattr(self.recipients, f"{metric}_rate"), getattr(self.holdout, f"{metric}_rate")
        return None if ours is None or theirs is None else round(ours - theirs, 1)

    @property
    def visited_lift(self) -> float | None:
        return self.lift("visited")

    @property
    def redeemed_lift(self) -> float | None:
        return self.lift("redeemed")


def _group(campaign: Campaign, rows: QuerySet[CampaignRecipient]) -> GroupResult:
    assert campaign.sent_at is not None
    start, end = campaign.sent_at, campaign.sent_at + timedelta(days=campaign.results_days)
    events = CardEvent.objects.filter(card=OuterRef("card_id"), created_at__gte=start, created_at__lt=end)
    return GroupResult(
        size=rows.count(),
        opened=rows.filter(
            Exists(CardOpen.objects.filter(card=OuterRef("card_id"), last_opened_at__gte=start))
        ).count(),
        visited=rows.filter(Exists(events.filter(kind=EventKind.STAMP))).count(),
        redeemed=rows.filter(Exists(events.filter(kind=EventKind.VOUCHER_REDEEMED))).count(),
    )


def campaign_results(*, campaign: Campaign) -> Results:
    """The campaign's numbers now (a handful of COUNT queries, whatever the audience)."""
    recipients = CampaignRecipient.objects.filter(campaign=campaign)
    if campaign.message_id is not None:
        progress = messages_selectors.message_progress(merchant=campaign.merchant, message_id=campaign.message_id)
        pending, delivered, failed, skipped, reasons = (
            progress.pending,
            progress.sent,
            progress.failed,
            progress.skipped,
            progress.reasons,
        )
    else:
        pending = delivered = failed = skipped = 0
        reasons = {}
    ours = theirs = None
    if campaign.sent_at is not None:
        ours = _group(campaign, recipients.filter(holdout=False))
        theirs = _group(campaign, recipients.filter(holdout=True))
    return Results(
        audience=recipients.count(),
        pending=pending,
        delivered=delivered,
        failed=failed,
        skipped=skipped,
        reasons=reasons,
        vouchers_issued=recipients.filter(voucher__isnull=False).count(),
        days=campaign.results_days,
        recipients=ours,
        holdout=theirs,
    )
