"""Demo data for receipt claims: one open claim for a demo check, its page and its printable QR."""

from django.urls import reverse

from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Program
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Location, Merchant
from stampcard.receipts import services
from stampcard.receipts.models import ReceiptToken

_PREFIX = "DEMO-R-"


def seed_demo(
    *, merchant: Merchant, program: Program, location: Location | None, owner_actor: Actor, base_url: str
) -> dict[str, str]:
    """An open claim for a demo check (the open one from an earlier run, else a new one) -> label: URL."""
    now = clock.now()
    open_claim = (
        ReceiptToken.objects.filter(
            merchant=merchant,
            program=program,
            external_id__startswith=_PREFIX,
            claimed_at__isnull=True,
            voided_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-created_at")
        .first()
    )
    if open_claim is not None:
        token = services.receipt_token(open_claim)
    else:
        used = ReceiptToken.objects.filter(merchant=merchant, external_id__startswith=_PREFIX).count()
        # Twice the program's per-amount step (or any total for per-receipt), so the claim gives stamps.
        total = max(12550, 2 * (program.amount_per_stamp or 0), program.min_check_total)
        created = services.receipt_create(
            actor=owner_actor,
            check=CheckInput(
                external_id=f"{_PREFIX}{used + 1}", total=total, currency=merchant.currency, closed_at=now
            ),
            location_id=str(location.pk) if location is not None else None,
            program_id=str(program.pk),
        )
        token = created.token
    base = base_url.rstrip("/")
    return {
        "Receipt claim (scan with a phone to collect the stamps)": base + reverse("receipts:claim", args=[token]),
        "Receipt QR for 58 mm paper (PNG)": base + reverse("receipts:qr-png-58", args=[token]),
        "Receipt QR for 80 mm paper (PNG)": base + reverse("receipts:qr-png-80", args=[token]),
    }
