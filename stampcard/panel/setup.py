"""The guided start on the dashboard: design the card -> print the join QR -> connect the counter -> first stamp.

A step is done when the data shows it (a key or a paired device, a stamp in the ledger) or when the panel recorded
it (``setup_step_done``, for acts that leave no other trace, such as printing the join QR).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse

from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.models import ApiKey, Merchant
from stampcard.panel.models import SetupProgress, SetupStep
from stampcard.poster.models import AccountStatus, PosterAccount
from stampcard.scanner.models import ScannerDevice

STEP_PAGES = {
    SetupStep.DESIGN_CARD: "panel:programs",
    SetupStep.PRINT_JOIN_QR: "panel:printouts",
    SetupStep.CONNECT_COUNTER: "panel:integrations",
    SetupStep.FIRST_STAMP: "panel:counter",
}


@dataclass(frozen=True)
class ChecklistItem:
    step: SetupStep
    done: bool
    url: str | None

    @property
    def title(self) -> str:
        return str(self.step.label)


def setup_step_done(*, merchant: Merchant, step: SetupStep) -> None:
    """Record that the merchant did ``step`` (again is fine: the first time counts)."""
    try:
        with transaction.atomic():
            SetupProgress.objects.create(merchant=merchant, step=step)
    except IntegrityError:  # recorded before; the unique constraint keeps one row
        pass


def setup_checklist(*, merchant: Merchant) -> list[ChecklistItem]:
    recorded = set(SetupProgress.objects.filter(merchant=merchant).values_list("step", flat=True))
    done = {
        SetupStep.DESIGN_CARD: SetupStep.DESIGN_CARD in recorded,
        SetupStep.PRINT_JOIN_QR: SetupStep.PRINT_JOIN_QR in recorded,
        SetupStep.CONNECT_COUNTER: SetupStep.CONNECT_COUNTER in recorded
        or ApiKey.objects.filter(merchant=merchant, revoked_at__isnull=True).exists()
        or ScannerDevice.objects.filter(merchant=merchant, unpaired_at__isnull=True).exists()
        or PosterAccount.objects.filter(merchant=merchant, status=AccountStatus.CONNECTED).exists(),
        SetupStep.FIRST_STAMP: CardEvent.objects.filter(merchant=merchant, kind=EventKind.STAMP).exists(),
    }
    return [ChecklistItem(step=step, done=done[step], url=_page(STEP_PAGES[step])) for step in SetupStep]


def _page(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except Exception:  # NoReverseMatch: that page is not there (yet)
        return None
