"""Writes for vouchers: issue, redeem, cancel, withdraw, claim into a new card, expire.

The lifecycle moves only through ``voucher_transition``, on a row locked by ``locks.voucher_lock`` (card first, then
the voucher); the model's check constraints refuse any row whose timestamps do not fit its state. Card vouchers leave
a ledger line (delta 0) for every move. Issue and redeem are card operations and are metered in the same
transaction, so a refusal by the plan writes nothing.
"""

import secrets
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from stampcard.cards import errors as cards_errors
from stampcard.cards import services as cards_services
from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card, Check, EventKind
from stampcard.core import clock
from stampcard.core.benefit import Benefit
from stampcard.core.errors import Conflict, ValidationFailed
from stampcard.core.uniques import insert_with_fresh_code
from stampcard.core.validity import Validity
from stampcard.merchants import metering
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Location, Role
from stampcard.rewards.models import Reward
from stampcard.vouchers import errors, selectors
from stampcard.vouchers.codes import CodeSource, random_code, validate_merchant_code
from stampcard.vouchers.locks import voucher_lock
from stampcard.vouchers.models import BatchPurpose, Voucher, VoucherBatch
from stampcard.vouchers.states import ALLOWED, OPEN_STATES, VoucherState, effective_state

__all__ = [
    "Benefit",
    "Validity",
    "voucher_cancel",
    "voucher_claim",
    "voucher_issue",
    "voucher_redeem",
    "voucher_transition",
    "voucher_withdraw_for_reward",
]

MAX_COUNT = 1000
TOKEN_BYTES = 24  # 192 bits, 32 URL-safe characters
CODE_ATTEMPTS = 5

_LEDGER_KIND = {
    VoucherState.REDEEMED: EventKind.VOUCHER_REDEEMED,
    VoucherState.CANCELLED: EventKind.VOUCHER_CANCELLED,
    VoucherState.EXPIRED: EventKind.VOUCHER_EXPIRED,
}


def _refusal(voucher: Voucher, current: VoucherState, to: VoucherState) -> Conflict:
    if current == VoucherState.REDEEMED:
        return errors.VoucherAlreadyRedeemed(
            redeemed_at=voucher.redeemed_at.isoformat() if voucher.redeemed_at else None
        )
    if current == VoucherState.EXPIRED:
        return errors.VoucherExpired(expires_at=voucher.expires_at.isoformat() if voucher.expires_at else None)
    if current == VoucherState.CANCELLED:
        return errors.VoucherCancelled()
    if current == VoucherState.ISSUED and to in (VoucherState.REDEEMED, VoucherState.ACTIVE):
        return errors.VoucherNotYetValid(valid_from=voucher.valid_from.isoformat())
    return Conflict(
        _("A voucher cannot go from %(current)s to %(to)s.") % {"current": current.label, "to": to.label},
        code="voucher_invalid_transition",
        state=current.value,
        to=to.value,
    )


def voucher_transition(
    voucher: Voucher,
    *,
    to: VoucherState,
    actor: Actor,
    card: Card | None = None,
    now: datetime | None = None,
    location: Location | None = None,
    check_external_id: str = "",
    reason: str = "",
    discount: int | None = None,
) -> Voucher:
    """The one way a voucher's state changes. Precondition: ``voucher_lock`` returned ``voucher`` and ``card``.

    First the clock's own moves are applied (issued -> active once ``valid_from`` has passed, -> expired once
    ``expires_at`` has), then ``to`` is checked against the allowed moves; a refused move raises the fitting Conflict
    (voucher_already_redeemed, voucher_expired, voucher_cancelled, voucher_not_yet_valid). Moving to the state the
    clock already gave is a no-op (what the expiry job asks for). Redeeming counts one card operation.
    """
    if voucher.card_id is not None and (card is None or card.pk != voucher.card_id):
        raise RuntimeError("voucher_transition needs the voucher's card, locked")
    now = now or clock.now()
    stored = VoucherState(voucher.state)
    current = effective_state(state=stored, valid_from=voucher.valid_from, expires_at=voucher.expires_at, now=now)
    if current != stored:
        _apply(voucher, to=current, actor=actor, card=card, now=now)
    if to == current and to in (VoucherState.ACTIVE, VoucherState.EXPIRED):
        return voucher
    if to not in ALLOWED[current] or to in (VoucherState.ACTIVE, VoucherState.EXPIRED):
        # Active and expired come from the clock alone: asked for early, they are refused like any bad move.
        raise _refusal(voucher, current, to)
    if to == VoucherState.REDEEMED:
        metering.usage_record(merchant=actor.merchant)
    _apply(
        voucher,
        to=to,
        actor=actor,
        card=card,
        now=now,
        location=location,
        check_external_id=check_external_id,
        reason=reason,
        discount=discount,
    )
    return voucher


def _apply(
    voucher: Voucher,
    *,
    to: VoucherState,
    actor: Actor,
    card: Card | None,
    now: datetime,
    location: Location | None = None,
    check_external_id: str = "",
    reason: str = "",
    discount: int | None = None,
) -> None:
    fields = ["state"]
    voucher.state = to
    if to == VoucherState.REDEEMED:
        voucher.redeemed_at, voucher.redeemed_by = now, actor.user
        voucher.redeemed_location = location or actor.location
        voucher.redeemed_check_external_id = check_external_id
        voucher.redeemed_discount = discount
        fields += [
            "redeemed_at",
            "redeemed_by",
            "redeemed_location",
            "redeemed_check_external_id",
            "redeemed_discount",
        ]
    elif to == VoucherState.CANCELLED:
        voucher.cancelled_at, voucher.cancelled_by, voucher.cancel_reason = now, actor.user, reason[:300]
        fields += ["cancelled_at", "cancelled_by", "cancel_reason"]
    elif to == VoucherState.EXPIRED:
        voucher.expired_at = now
        fields.append("expired_at")
    voucher.save(update_fields=fields)
    if card is not None and to in _LEDGER_KIND:
        payload: dict[str, Any] = {"voucher_id": str(voucher.pk)}
        if check_external_id:
            payload["check_external_id"] = check_external_id
        if to == VoucherState.REDEEMED and discount is not None:
            payload["discount"] = discount
        ledger_append(
            card=card,
            kind=_LEDGER_KIND[to],
            delta=0,
            actor=actor,
            location=voucher.redeemed_location if to == VoucherState.REDEEMED else None,
            reason=reason[:300],
            **payload,
        )


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@transaction.atomic
def voucher_issue(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    card: Card | None = None,
    validity: Validity | None = None,
    valid_from: datetime | None = None,
    code: str | None = None,
    count: int = 1,
    reward: Reward | None = None,
    check: Check | None = None,
    batch_name: str = "",
    batch_purpose: BatchPurpose = BatchPurpose.OTHER,
    benefit: Benefit | None = None,
) -> list[Voucher]:
    """Issue ``count`` vouchers (count > 1 only for free-standing bearer vouchers, which then form a batch), each
    giving ``benefit`` (default: a gift handed over).

    Into ``card`` when given: a VOUCHER_ISSUED ledger line (delta 0, payload voucher_id) each, under the card's lock
    (callers inside a checkout already hold it; locking again in the same transaction is fine). ``valid_from`` in the
    future makes the voucher ``issued`` until then; validity counts from ``valid_from`` (default now). Counts
    ``count`` card operations (PlanLimitReached writes nothing). Runs inside the caller's transaction when there is
    one. Role checks are the caller's: the manual-issue API requires a manager.
    """
    merchant = actor.merchant
    title = " ".join((title or "").split())
    if not title or len(title) > 100:
        raise errors.VoucherInvalidInput(_("A voucher needs a title of 1 to 100 characters."), field="title")
    if not 1 <= count <= MAX_COUNT:
        raise errors.VoucherInvalidInput(
            _("Issue 1 to %(max)d vouchers at a time.") % {"max": MAX_COUNT}, field="count"
        )
    if count > 1 and (card is not None or code is not None or reward is not None):
        raise errors.VoucherInvalidInput(
            _("Several vouchers at once are free-standing, each with its own generated code."), field="count"
        )
    if reward is not None and (card is None or reward.card_id != card.pk):
        raise errors.VoucherInvalidInput(_("A reward's voucher goes into the reward's card."), field="reward")
    if reward is not None and Voucher.objects.filter(reward=reward).exists():
        raise Conflict(_("This reward already has its voucher."), code="voucher_exists_for_reward")
    merchant_code = validate_merchant_code(code) if code is not None else None
    now = clock.now()
    start = valid_from or now
    if valid_from is not None and (valid_from.tzinfo is None or valid_from.utcoffset() is None):
        raise errors.VoucherInvalidInput(_("valid_from needs a time zone."), field="valid_from")
    expires_at = validity.expires_at(start=start, tz=merchant.tz) if validity is not None else None
    if expires_at is not None and expires_at <= max(start, now):
        raise ValidationFailed(
            _("This validity ends before the voucher becomes usable."), code="invalid_validity", field="validity"
        )
    state = VoucherState.ISSUED if start > now else VoucherState.ACTIVE
    benefit = benefit or Benefit()

    locked_card = card_lock(merchant=merchant, card_id=card.pk) if card is not None else None
    metering.usage_record(merchant=merchant, operations=count)
    batch = None
    if card is None and (count > 1 or batch_name):
        batch = VoucherBatch.objects.create(
            merchant=merchant,
            name=(batch_name or title)[:100],
            purpose=batch_purpose,
            count=count,
            created_by=actor.user,
        )

    def build(code_value: str, source: CodeSource) -> Voucher:
        voucher = Voucher(
            merchant=merchant,
            code=code_value,
            code_source=source.value,
            card=locked_card,
            reward=reward,
            check_ref=check,
            batch=batch,
            title=title,
            description=description or "",
            benefit_kind=benefit.kind,
            benefit_value=benefit.value,
            state=state,
            valid_from=start,
            expires_at=expires_at,
            issued_by=actor.user,
        )
        voucher.public_token = _new_token()
        return voucher

    if merchant_code is not None:
        try:
            with transaction.atomic():
                vouchers = Voucher.objects.bulk_create([build(merchant_code, CodeSource.MERCHANT)])
        except IntegrityError:
            raise errors.VoucherCodeTaken(code_value=merchant_code) from None
    else:

        def insert() -> list[Voucher]:
            candidates = [build(random_code(), CodeSource.GENERATED) for _ in range(count)]
            if len({v.code for v in candidates}) < len(candidates):
                # Two equal codes in one batch: the unique index would refuse the batch, so draw it again now.
                raise IntegrityError("a random voucher code repeats within the batch")
            return Voucher.objects.bulk_create(candidates)

        vouchers = insert_with_fresh_code(insert, attempts=CODE_ATTEMPTS, what="voucher codes")
    if locked_card is not None:
        for voucher in vouchers:
            extra: dict[str, Any] = {"reward_id": str(reward.pk)} if reward is not None else {}
            ledger_append(
                card=locked_card,
                kind=EventKind.VOUCHER_ISSUED,
                delta=0,
                actor=actor,
                check=check,
                voucher_id=str(voucher.pk),
                **extra,
            )
    return vouchers


@transaction.atomic
def voucher_redeem(
    *,
    actor: Actor,
    code: str,
    check_external_id: str = "",
    location_id: str | None = None,
    check_total: int | None = None,
    check_currency: str | None = None,
) -> Voucher:
    """Redeem a voucher once, whatever the concurrency: the loser of a race sees it redeemed (409).

    ``check_total`` (minor units; what is left to pay on the check) lets a discount voucher say what it takes off:
    ``redeemed_discount`` (``Benefit.discount_on``), which the till applies. A discount that would take nothing off
    (an empty check) refuses the redemption (VoucherNothingToDiscount) and the voucher stays usable.

    Raises ValidationFailed (voucher_code_mistyped, before any lookup; currency_mismatch), VoucherNotFound (unknown
    or another merchant's), VoucherAlreadyRedeemed, VoucherExpired (from the first instant past ``expires_at``,
    checked against the clock under the lock, not left to the job), VoucherCancelled, VoucherNotYetValid,
    VoucherNothingToDiscount or PlanLimitReached.
    """
    if check_currency is not None and check_currency.upper() != actor.merchant.currency:
        raise cards_errors.CurrencyMismatch(expected=actor.merchant.currency, got=check_currency.upper())
    location = merchants_services.location_for_actor(actor=actor, location_id=location_id)
    voucher_id = selectors.voucher_id_for_code(merchant=actor.merchant, code=code)
    voucher, card = voucher_lock(merchant=actor.merchant, voucher_id=voucher_id)
    benefit = voucher.benefit
    discount = benefit.discount_on(check_total) if benefit.is_discount and check_total is not None else None
    voucher_transition(
        voucher,
        to=VoucherState.REDEEMED,
        actor=actor,
        card=card,
        location=location,
        check_external_id=(check_external_id or "")[:64],
        discount=discount,
    )
    if discount == 0:
        # After the transition, so that a used or expired voucher says so first; raising undoes the redemption.
        raise errors.VoucherNothingToDiscount(benefit=benefit.as_spec())
    return voucher


@transaction.atomic
def voucher_cancel(*, actor: Actor, code: str, reason: str = "") -> Voucher:
    """Cancel an issued or active voucher (manager). A card voucher leaves a VOUCHER_CANCELLED ledger line."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    voucher_id = selectors.voucher_id_for_code(merchant=actor.merchant, code=code)
    voucher, card = voucher_lock(merchant=actor.merchant, voucher_id=voucher_id)
    return voucher_transition(voucher, to=VoucherState.CANCELLED, actor=actor, card=card, reason=reason)


@transaction.atomic
def voucher_withdraw_for_reward(*, reward: Reward, actor: Actor) -> bool:
    """Cancel the voucher issued for this reward (its check was reversed) if it is not redeemed yet.

    True if cancelled (or there is no voucher, or it is already cancelled or expired: nothing left to use); False if
    it was already redeemed (the customer keeps it). Runs inside the caller's transaction, which may hold the card.
    """
    found = list(Voucher.objects.filter(merchant_id=reward.merchant_id, reward=reward).values_list("pk", flat=True))
    if not found:
        return True
    voucher, card = voucher_lock(merchant=actor.merchant, voucher_id=found[0])
    now = clock.now()
    current = effective_state(
        state=voucher.state, valid_from=voucher.valid_from, expires_at=voucher.expires_at, now=now
    )
    if current == VoucherState.REDEEMED:
        return False
    if current in (VoucherState.CANCELLED, VoucherState.EXPIRED):
        return True
    voucher_transition(voucher, to=VoucherState.CANCELLED, actor=actor, card=card, now=now, reason="reward_withdrawn")
    return True


@transaction.atomic
def voucher_claim(
    *,
    token: str,
    name: str,
    email: str | None = None,
    marketing_email_consent: bool = False,
    language: str = "",
) -> Voucher:
    """A customer takes a free-standing voucher into a new card of the merchant's default program; ``language`` is the
    one the voucher page was shown in, which the new customer keeps.

    The card is enrolled in the same transaction; if the voucher cannot be claimed (in a card already, redeemed,
    expired, cancelled) nothing is written. The voucher keeps its state and code; a VOUCHER_ISSUED ledger line
    (``claimed``: true) records its arrival in the card.
    """
    voucher = selectors.voucher_get_by_token(token=token)
    actor = Actor(merchant=voucher.merchant, channel=Channel.PUBLIC)
    _ensure_claimable(voucher)
    card = cards_services.card_enrol(
        actor=actor, name=name, email=email, marketing_email_consent=marketing_email_consent, language=language
    )
    card = card_lock(merchant=actor.merchant, card_id=card.pk)  # new and unseen by anyone: card-then-voucher holds
    voucher, _card = voucher_lock(merchant=actor.merchant, voucher_id=voucher.pk)
    _ensure_claimable(voucher)
    voucher.card, voucher.claimed_at = card, clock.now()
    voucher.save(update_fields=["card", "claimed_at"])
    ledger_append(
        card=card, kind=EventKind.VOUCHER_ISSUED, delta=0, actor=actor, voucher_id=str(voucher.pk), claimed=True
    )
    return voucher


def _ensure_claimable(voucher: Voucher) -> None:
    if voucher.card_id is not None:
        raise errors.VoucherAlreadyClaimed()
    current = effective_state(
        state=voucher.state, valid_from=voucher.valid_from, expires_at=voucher.expires_at, now=clock.now()
    )
    if current not in OPEN_STATES:
        raise _refusal(voucher, current, VoucherState.REDEEMED)
