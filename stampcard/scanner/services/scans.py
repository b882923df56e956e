"""Self-service scans (kiosk and autopilot): a guest's card QR stamps the card, unless an anti-abuse rule refuses.

A scan counts against the device's rate limit first (its own short transaction, so refused scans count too); then,
in one transaction holding the card's row lock, a scan id already committed replays, the rules are evaluated from
the ledger, and the stamp is committed through ``checkouts.services.checkout_commit`` with a fixed count of stamps (a
scan has no amount): the program's stamps per receipt, or ``selfservice_stamps_per_visit`` for a per-amount program.
"""

import uuid
from dataclasses import dataclass, field

from django.db import transaction

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.checks import CheckInput
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card, EarningRule, Program
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.core.codes import looks_like_card_qr
from stampcard.core.errors import NotFound
from stampcard.rewards.models import Reward
from stampcard.scanner import abuse, selectors
from stampcard.scanner.abuse import Refusal
from stampcard.scanner.models import SELF_SERVICE_MODES, ScannerDevice
from stampcard.scanner.services.devices import device_actor
from stampcard.scanner.services.operations import SCANNER_POS, ensure_mode, receipt_stamps, scan_external_id


@dataclass
class ScanOutcome:
    card: Card
    stamped: bool
    stamps_issued: int
    refusal: Refusal | None = None
    rewards: list[Reward] = field(default_factory=list)
    replayed: bool = False


def selfservice_stamps(*, card: Card, program: Program) -> int:
    """Stamps one self-service scan gives: a receipt's worth, or the program's per-visit count when stamps are
    earned by amount (a scan has none)."""
    if card.rules.earning_rule == EarningRule.PER_AMOUNT:
        return program.selfservice_stamps_per_visit
    return receipt_stamps(card.rules)


def scan_commit(*, device: ScannerDevice, qr: str, scan_id: str | uuid.UUID) -> ScanOutcome:
    """Stamp the card whose QR payload a self-service device scanned, once per scan id.

    Raises NotAllowedInMode (manual devices), NotFound (not a card QR: a number is not a credential), DeviceRateLimited
    and PlanLimitReached. A refusal by the anti-abuse rules is no error: the outcome says why and until when."""
    ensure_mode(device, *SELF_SERVICE_MODES)
    qr = (qr or "").strip()
    external_id = scan_external_id(scan_id)
    if not looks_like_card_qr(qr):
        raise NotFound(code="card_not_found")
    abuse.device_scan_take(device=device, program=selectors.device_program(device=device))
    return _scan(device=device, qr=qr, external_id=external_id)


@transaction.atomic
def _scan(*, device: ScannerDevice, qr: str, external_id: str) -> ScanOutcome:
    actor = device_actor(device, self_service=True)
    check = CheckInput(external_id=external_id, total=0, currency=device.merchant.currency, pos=SCANNER_POS)
    card = card_lock(merchant=device.merchant, ref=qr)
    if cards_selectors.check_is_stamped(merchant_id=device.merchant.pk, pos=SCANNER_POS, external_id=external_id):
        # A retry of a scan that stamped (its answer was lost): replay it, never judge it again by the rules,
        # which would now see its own stamp.
        replay = checkouts_services.checkout_commit(actor=actor, card_ref=qr, check=check)
        return ScanOutcome(
            card=replay.card,
            stamped=replay.stamps_issued > 0,
            stamps_issued=replay.stamps_issued,
            rewards=replay.rewards,
            replayed=True,
        )
    program = card.program
    now = clock.now()
    refusal = abuse.stamp_refusal(card=card, program=program, location=device.location, now=now)
    if refusal is not None:
        abuse.refusal_record(device=device, card=card, program=program, refusal=refusal, scan_id=external_id)
        return ScanOutcome(card=card, stamped=False, stamps_issued=0, refusal=refusal)
    result = checkouts_services.checkout_commit(
        actor=actor, card_ref=qr, check=check, fixed_stamps=selfservice_stamps(card=card, program=program)
    )
    abuse.unusual_activity_check(
        card=result.card,
        program=program,
        day=abuse.local_day(now, device.merchant.tz),
        device=device,
        location=device.location,
        now=now,
    )
    return ScanOutcome(
        card=result.card,
        stamped=result.stamps_issued > 0,
        stamps_issued=result.stamps_issued,
        rewards=result.rewards,
        replayed=result.replayed,
    )
