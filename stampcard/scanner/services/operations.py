"""What a paired device does to cards, through the existing services: stamps (manual mode), award hand-over,
voucher redemption and lottery draws. Self-service scans are in ``scans``."""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stampcard.api import misses
from stampcard.cards.checks import CheckInput
from stampcard.cards.earning import stamps_for_check
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card, EarningRule, ProgramRules
from stampcard.checkouts import rewards as checkouts_rewards
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.core.codes import looks_like_card_qr
from stampcard.core.errors import ApplicationError, NotFound, ValidationFailed
from stampcard.lottery.models import LotteryDraw
from stampcard.rewards import services as rewards_services
from stampcard.rewards.models import Reward
from stampcard.scanner import abuse, errors, selectors
from stampcard.scanner.abuse import Refusal
from stampcard.scanner.models import DeviceMode, ScannerDevice
from stampcard.scanner.services.devices import device_actor
from stampcard.vouchers import ratelimit as voucher_ratelimit
from stampcard.vouchers import selectors as vouchers_selectors
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.errors import VoucherNotFound
from stampcard.vouchers.models import Voucher

SCANNER_POS = "scanner"  # the Check.pos of every scanner stamp; its external id is the client's scan id
_VOUCHER_MISS_STATUSES = (404, 422)


def ensure_mode(device: ScannerDevice, *modes: DeviceMode) -> None:
    if device.mode not in modes:
        raise errors.NotAllowedInMode(mode=device.mode, allowed=[m.value for m in modes])


def scan_external_id(scan_id: str | uuid.UUID) -> str:
    """The Check external id of a scan: its canonical UUID, so that a retry of one scan id meets the Check's unique
    (merchant, pos, external id) index and replays instead of stamping again."""
    try:
        return str(uuid.UUID(str(scan_id)))
    except ValueError:
        raise ValidationFailed(
            _("The scan id must be a UUID made by the app."), code="invalid_scan_id", field="scan_id"
        ) from None


def receipt_stamps(rules: ProgramRules) -> int:
    """What one qualifying receipt earns under a per-receipt program (its stamps per receipt, within its cap)."""
    return stamps_for_check(program=rules, total=rules.min_check_total)


def device_who(device: ScannerDevice, *, ip: str = "") -> misses.Who:
    """The device and its address, as the miss limits count them (and name them in the merchant's alert)."""
    return misses.Who(merchant=device.merchant, device_id=str(device.pk), device_name=device.name, ip=ip)


def device_card_lookup(*, device: ScannerDevice, ref: str, ip: str = "") -> Card:
    """A card as the device may look it up (``selectors.device_card_get``). On a self-service device a lookup
    counts against the device's scan rate like a scan: both turn a presented QR into a card. An unknown card counts
    against the device's and the address's miss limits (``misses.LOOKUPS``; LookupsLimited past them)."""
    if device.is_self_service:
        abuse.device_scan_take(device=device, program=selectors.device_program(device=device))
    who = device_who(device, ip=ip)
    with misses.miss_guard(family=misses.LOOKUPS, scopes=misses.lookup_scopes(who=who), who=who):
        return selectors.device_card_get(device=device, ref=ref)


def device_stamp(
    *, device: ScannerDevice, card_ref: str, scan_id: str | uuid.UUID, amount: int | None = None
) -> checkouts_services.CheckoutResult:
    """Staff stamp a card (manual mode). A per-amount program needs the check's ``amount`` (minor units); a
    per-receipt program gives its stamps per receipt whatever the amount. Retrying a scan id replays."""
    ensure_mode(device, DeviceMode.MANUAL)
    external_id = scan_external_id(scan_id)
    card = selectors.device_card_get(device=device, ref=card_ref)
    fixed: int | None = None
    if card.rules.earning_rule == EarningRule.PER_AMOUNT:
        if amount is None:
            raise ValidationFailed(
                _("Enter the check's amount: this card earns stamps by the amount spent."),
                code="amount_required",
                field="amount",
            )
    else:
        fixed = receipt_stamps(card.rules)
    return checkouts_services.checkout_commit(
        actor=device_actor(device),
        card_ref=card.qr_payload,
        check=CheckInput(
            external_id=external_id, total=amount or 0, currency=device.merchant.currency, pos=SCANNER_POS
        ),
        fixed_stamps=fixed,
    )


def device_reward_hand_over(*, device: ScannerDevice, reward_id: str) -> Reward:
    """Staff hand over a ready award (manual and autopilot modes: a guest at a kiosk cannot confirm a gift)."""
    ensure_mode(device, DeviceMode.MANUAL, DeviceMode.AUTOPILOT)
    return rewards_services.reward_hand_over(actor=device_actor(device), reward_id=reward_id)


@dataclass
class Redemption:
    voucher: Voucher | None
    refusal: Refusal | None = None


def device_voucher_redeem(*, device: ScannerDevice, code: str, card_ref: str | None = None, ip: str = "") -> Voucher:
    """Redeem a voucher from a device, with the voucher lookup limits of the API v1 (a mistyped or unknown code
    costs the device, and the card when one is named, an attempt; past the limit VoucherLookupsLimited).

    In kiosk mode the guest redeems themselves: the card (its QR payload) is required, the voucher must be in it
    (else VoucherNotFound), and the voucher cooldown applies (VoucherCooldown, recorded as a refusal)."""
    kiosk = device.mode == DeviceMode.KIOSK
    card_ref = (card_ref or "").strip() or None
    if kiosk and card_ref is None:
        raise ValidationFailed(_("Scan your card first."), code="card_required", field="card")
    if card_ref is not None and device.is_self_service and not looks_like_card_qr(card_ref):
        raise NotFound(code="card_not_found")
    actor = device_actor(device, self_service=kiosk)
    who = device_who(device, ip=ip)
    scopes = voucher_ratelimit.scopes_for(actor=actor, card_ref=card_ref, who=who)
    reservation = voucher_ratelimit.lookup_reserve(scopes=scopes, who=who)
    try:
        outcome = _redeem(device=device, code=code, card_ref=card_ref, kiosk=kiosk)
    except ApplicationError as error:
        if error.status not in _VOUCHER_MISS_STATUSES:
            voucher_ratelimit.lookup_release(reservation=reservation)
        raise
    voucher_ratelimit.lookup_release(reservation=reservation)
    if outcome.refusal is not None:
        refusal = outcome.refusal
        retry_at = refusal.as_dict()["retry_at"].isoformat() if refusal.retry_at else None
        raise errors.VoucherCooldown(refusal.message(), retry_at=retry_at)
    assert outcome.voucher is not None
    return outcome.voucher


@transaction.atomic
def _redeem(*, device: ScannerDevice, code: str, card_ref: str | None, kiosk: bool) -> Redemption:
    actor = device_actor(device, self_service=kiosk)
    if not kiosk:
        return Redemption(voucher=vouchers_services.voucher_redeem(actor=actor, code=code))
    assert card_ref is not None
    card = card_lock(merchant=device.merchant, ref=card_ref)
    voucher_id = vouchers_selectors.voucher_id_for_code(merchant=device.merchant, code=code)
    if not Voucher.objects.filter(pk=voucher_id, card=card).exists():
        raise VoucherNotFound()
    program = card.program
    refusal = abuse.redemption_refusal(card=card, program=program, now=clock.now())
    if refusal is not None:
        # Returned, not raised: the refusal's record must commit with this transaction.
        abuse.refusal_record(device=device, card=card, program=program, refusal=refusal)
        return Redemption(voucher=None, refusal=refusal)
    return Redemption(voucher=vouchers_services.voucher_redeem(actor=actor, code=code))


def device_lottery_draw(*, device: ScannerDevice, reward_id: str, card_ref: str) -> tuple[Card, list[LotteryDraw]]:
    """Spin a ready lottery of the card shown (in kiosk mode the guest spins their own). Raises NotFound when the
    reward is not a lottery of that card, LotteryRewardNotReady (409) when it was drawn already."""
    card = selectors.device_card_get(device=device, ref=card_ref)
    actor = device_actor(device, self_service=device.mode == DeviceMode.KIOSK)
    draws = checkouts_rewards.reward_spin(actor=actor, reward_id=reward_id, card=card)
    return card, draws
