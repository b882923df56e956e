"""Merging two customers who are one person: one customer and one card per program remain.

Here, in checkouts, and not in ``customers`` (where the map puts merge services): a merge moves cards, checks,
rewards and vouchers, writes the ledger and may reach rewards on the combined card, and only this layer may import
``cards``, ``rewards`` and ``vouchers`` and issue rewards (``checkouts.rewards``). ``customers`` keeps what is its
own: the record of the merge (``CustomerMerge``), its errors and the duplicate suggestions (``customers.duplicates``).

What a merge does, in one transaction:

- Both customers are locked (primary-key order), then every open card of both (primary-key order, like every writer
  holding several cards; ``cards.locks.cards_lock_many``). A stamp on either card waits, or went first: one that went
  first is in the balance that moves; one that waits finds the absorbed card closed and ``cards.locks.card_lock``
  takes it to the survivor. Lookups by the absorbed card's number or QR answer with the survivor
  (``cards.selectors.card_queryset_for_ref``), so nothing lands on a closed card and nothing is counted twice.
- Per program where both hold a card, the absorbed card's stamps, lifetime stamps and rewards reached move to the
  survivor's card, with a ``merged_out`` line on the absorbed card and a ``merged_in`` line on the survivor's (each
  card's stamps stay the sum of its ledger deltas; the actor is recorded on both). Its checks, rewards, vouchers,
  lottery draws and claims point at the survivor's card from then on (a later refund of an old check comes off the
  card that holds its stamps). The absorbed card is closed (``merged_into``) and marked changed, so the wallets
  holding it rebuild its pass: it tells the holder to use the surviving card, and its barcode is the survivor's.
  The combined card reaches the rewards its stamps now reach, as a stamp would.
- A card of a program only the absorbed customer holds moves to the survivor as it is (a ``merged_in`` line of 0).
- Rows that point at the absorbed customer move to the survivor where they can (a row the survivor already has the
  like of stays); contact details the survivor lacks are taken over, with the consent that goes with the email.
- The absorbed customer stays, closed (``merged_into``), without email or phone: its closed cards' ledger needs it.
"""

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Count

from stampcard.cards import changes
from stampcard.cards import counts as cards_counts
from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import cards_lock_many
from stampcard.cards.milestones import milestones_crossed
from stampcard.cards.models import Card, CardChange, CardEvent, CardLink, EventKind
from stampcard.checkouts import rewards as checkouts_rewards
from stampcard.core import clock
from stampcard.core.errors import NotFound
from stampcard.customers import errors as customers_errors
from stampcard.customers.models import Customer, CustomerErasure, CustomerMerge
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.states import OPEN_STATES

# Rows of a card that are the card itself, not things it holds: they stay with the closed card.
_CARD_OWN = {CardEvent, CardChange, CardLink}
# Rows of a customer that are about the customer record itself.
_CUSTOMER_OWN = {Card, CustomerErasure, CustomerMerge}


@dataclass
class CardSide:
    """What one card holds, for the preview."""

    card: Card
    stamps: int
    lifetime_stamps: int
    rewards_earned: int
    vouchers_open: int
    rewards_ready: int


@dataclass
class ProgramRow:
    """One program in a merge: the survivor's card, the absorbed one's, and what the survivor's holds after."""

    program_name: str
    survivor: CardSide | None
    absorbed: CardSide | None
    stamps: int = 0
    lifetime_stamps: int = 0
    vouchers_open: int = 0
    rewards_ready: int = 0
    rewards_reached_now: list[str] = field(default_factory=list)  # what the combined stamps reach at once

    @property
    def combined(self) -> bool:
        return self.survivor is not None and self.absorbed is not None


@dataclass
class MergePreview:
    survivor: Customer
    absorbed: Customer
    programs: list[ProgramRow]
    taken_over: dict[str, Any]  # the survivor's empty fields the absorbed customer fills


def _key(customer_id: Any) -> str:
    return str(uuid.UUID(str(customer_id)))


def _ensure_allowed(*, actor: Actor, survivor_id: Any, absorbed_id: Any) -> None:
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    if str(survivor_id).strip().lower() == str(absorbed_id).strip().lower():
        raise customers_errors.MergeSameCustomer()


def _customers(*, actor: Actor, ids: list[Any], lock: bool) -> dict[str, Customer]:
    """Both customers of the actor's merchant by id; NotFound ``customer_not_found`` for an unknown id and for
    another merchant's customer alike (an id of another tenant is not confirmed to exist)."""
    try:
        pks = [uuid.UUID(str(i)) for i in ids]
    except ValueError:
        raise NotFound(code="customer_not_found") from None
    qs = Customer.objects.filter(merchant=actor.merchant, pk__in=pks).order_by("pk")
    if lock:
        qs = qs.select_for_update()
    found = {str(c.pk): c for c in qs}
    if len(found) != 2:
        raise NotFound(code="customer_not_found")
    for customer in found.values():
        if customer.merged_into_id is not None:
            raise customers_errors.CustomerAlreadyMerged(customer_id=str(customer.pk))
        if customer.erased_at is not None:
            raise customers_errors.CustomerErasedCannotMerge(customer_id=str(customer.pk))
    return found


def _open_cards(customer_ids: list[Any]) -> "models.QuerySet[Card]":
    return Card.objects.filter(customer_id__in=customer_ids, merged_into__isnull=True)


def _side(card: Card, vouchers: dict[int, int], rewards: dict[int, int]) -> CardSide:
    return CardSide(
        card=card,
        stamps=card.stamps,
        lifetime_stamps=card.lifetime_stamps,
        rewards_earned=card.rewards_earned,
        vouchers_open=vouchers.get(card.pk, 0),
        rewards_ready=rewards.get(card.pk, 0),
    )


def _taken_over(survivor: Customer, absorbed: Customer) -> dict[str, Any]:
    taken: dict[str, Any] = {}
    for name in ("email", "phone", "birthday"):
        if not getattr(survivor, name) and getattr(absorbed, name):
            taken[name] = getattr(absorbed, name)
    if "birthday" in taken:
        taken["birthday_set_at"] = absorbed.birthday_set_at
    if "email" in taken:
        taken["marketing_email_consent"] = absorbed.marketing_email_consent
        taken["marketing_email_consent_at"] = absorbed.marketing_email_consent_at
    if absorbed.terms_accepted_at and (
        survivor.terms_accepted_at is None or absorbed.terms_accepted_at < survivor.terms_accepted_at
    ):
        taken["terms_accepted_at"] = absorbed.terms_accepted_at
    return taken


def merge_preview(*, actor: Actor, survivor_id: Any, absorbed_id: Any) -> MergePreview:
    """What merging ``absorbed_id`` into ``survivor_id`` would do, without writing. Raises as the merge does."""
    _ensure_allowed(actor=actor, survivor_id=survivor_id, absorbed_id=absorbed_id)
    found = _customers(actor=actor, ids=[survivor_id, absorbed_id], lock=False)
    survivor, absorbed = found[_key(survivor_id)], found[_key(absorbed_id)]
    cards = list(
        _open_cards([survivor.pk, absorbed.pk])
        .select_related("program", "program_version")
        .order_by("program__name", "pk")
    )
    ids = [c.pk for c in cards]
    vouchers = dict(
        Voucher.objects.filter(card_id__in=ids, state__in=OPEN_STATES)
        .values("card_id")
        .annotate(n=Count("pk"))
        .values_list("card_id", "n")
    )
    rewards = dict(
        Reward.objects.filter(card_id__in=ids, state=RewardState.READY)
        .values("card_id")
        .annotate(n=Count("pk"))
        .values_list("card_id", "n")
    )
    by_program: dict[Any, ProgramRow] = {}
    for card in cards:
        row = by_program.setdefault(
            card.program_id, ProgramRow(program_name=card.program.name, survivor=None, absorbed=None)
        )
        side = _side(card, vouchers, rewards)
        if card.customer_id == survivor.pk:
            row.survivor = side
        else:
            row.absorbed = side
    for row in by_program.values():
        sides = [s for s in (row.survivor, row.absorbed) if s is not None]
        row.stamps = sum(s.stamps for s in sides)
        row.lifetime_stamps = sum(s.lifetime_stamps for s in sides)
        row.vouchers_open = sum(s.vouchers_open for s in sides)
        row.rewards_ready = sum(s.rewards_ready for s in sides)
        if row.survivor is not None and row.absorbed is not None:
            card = row.survivor.card
            reached = max(card.milestones_reached, row.absorbed.card.milestones_reached)
            crossings = milestones_crossed(stamps=row.stamps, reached=reached, milestones=card.rules.milestone_list())
            row.rewards_reached_now = [str(c.spec.get("title", "")) for c in crossings]
            row.stamps -= sum(c.stamps_spent for c in crossings)
    return MergePreview(
        survivor=survivor,
        absorbed=absorbed,
        programs=list(by_program.values()),
        taken_over=_taken_over(survivor, absorbed),
    )


def customers_merge(*, actor: Actor, survivor_id: Any, absorbed_id: Any) -> CustomerMerge:
    """Merge the customer ``absorbed_id`` into ``survivor_id`` (see the module's docstring). A manager's act.

    Raises RoleForbidden below manager, MergeSameCustomer (422 ``merge_same_customer``), NotFound
    (``customer_not_found``: unknown, or another merchant's), CustomerAlreadyMerged (409) and
    CustomerErasedCannotMerge (409 ``customer_erased``).
    """
    _ensure_allowed(actor=actor, survivor_id=survivor_id, absorbed_id=absorbed_id)
    with transaction.atomic():
        found = _customers(actor=actor, ids=[survivor_id, absorbed_id], lock=True)
        survivor, absorbed = found[_key(survivor_id)], found[_key(absorbed_id)]
        open_ids = list(_open_cards([survivor.pk, absorbed.pk]).values_list("pk", flat=True))
        # Cards closed by earlier merges into these are locked too (in the same order): the ones merged into a card
        # that closes now are pointed at its survivor, so ``merged_into`` always names an open card.
        closed_ids = list(Card.objects.filter(merged_into_id__in=open_ids).values_list("pk", flat=True))
        cards = cards_lock_many(merchant=actor.merchant, card_ids=open_ids + closed_ids)
        # Re-read under the locks: a card enrolled or merged since the list above is not ours to move blind.
        open_cards = [c for c in cards.values() if c.merged_into_id is None]
        survivor_cards = {c.program_id: c for c in open_cards if c.customer_id == survivor.pk}
        absorbed_cards = sorted((c for c in open_cards if c.customer_id == absorbed.pk), key=lambda c: c.pk)
        summary: dict[str, Any] = {"combined": [], "moved": [], "taken_over": [], "rewards_reached": []}
        for card in absorbed_cards:
            target = survivor_cards.get(card.program_id)
            if target is None:
                _card_move(card=card, survivor=survivor, absorbed=absorbed, actor=actor)
                summary["moved"].append(card.number)
            else:
                summary["combined"].append(_cards_combine(target=target, source=card, actor=actor))
                reached = checkouts_rewards.rewards_issue_reached(card=target, actor=actor)
                summary["rewards_reached"] += [str(r.pk) for r in reached]
        _customer_rows_move(survivor=survivor, absorbed=absorbed)
        summary["taken_over"] = _customer_fields_take(survivor=survivor, absorbed=absorbed)
        return CustomerMerge.objects.create(
            merchant_id=actor.merchant.pk,
            survivor=survivor,
            absorbed=absorbed,
            merged_by=actor.user,
            channel=actor.channel,
            summary=summary,
        )


def _cards_combine(*, target: Card, source: Card, actor: Actor) -> dict[str, Any]:
    """Move everything ``source`` holds onto ``target`` (both locked, same program) and close ``source``."""
    stamps, lifetime, earned = source.stamps, source.lifetime_stamps, source.rewards_earned
    moved = _card_rows_move(source=source, target=target)
    merge_note = {"from_card": source.number, "into_card": target.number}
    ledger_append(
        card=source,
        kind=EventKind.MERGED_OUT,
        delta=-stamps,
        lifetime_delta=-lifetime,
        actor=actor,
        into_card=target.number,
        lifetime_moved=lifetime,
        rewards_earned_moved=earned,
        moved=moved,
    )
    ledger_append(
        card=target,
        kind=EventKind.MERGED_IN,
        delta=stamps,
        lifetime_delta=lifetime,
        actor=actor,
        from_card=source.number,
        lifetime_moved=lifetime,
        rewards_earned_moved=earned,
        moved=moved,
    )
    now = clock.now()
    # The combined card counts as far into its round as either card got: a milestone one card was already rewarded
    # for is not rewarded again because the stamps moved.
    target.rewards_earned += earned
    target.milestones_reached = max(target.milestones_reached, source.milestones_reached)
    last = [at for at in (target.last_stamp_at, source.last_stamp_at) if at is not None]
    target.last_stamp_at = max(last) if last else None
    Card.objects.filter(pk=target.pk).update(
        rewards_earned=target.rewards_earned,
        milestones_reached=target.milestones_reached,
        last_stamp_at=target.last_stamp_at,
    )
    Card.objects.filter(pk=source.pk).update(rewards_earned=0, merged_into=target, merged_at=now)
    source.rewards_earned, source.merged_into, source.merged_at = 0, target, now
    cards_counts.card_counted(card=source, delta=-1)  # closed: no longer one of the merchant's cards
    # Cards merged into ``source`` before (locked by the caller) now lead to ``target``, and their passes say so.
    earlier = list(Card.objects.filter(merged_into=source).values_list("pk", flat=True))
    if earlier:
        Card.objects.filter(pk__in=earlier).update(merged_into=target)
        changes.cards_touch(card_ids=earlier)
    return {**merge_note, "stamps": stamps, "lifetime_stamps": lifetime, "rewards_earned": earned, **moved}


def _card_rows_move(*, source: Card, target: Card) -> dict[str, int]:
    """Point every row ``source`` holds (checks, rewards, vouchers, draws, claims, and whatever table is added later
    with a foreign key to a card) at ``target``. The card's own rows (ledger, link, wallet passes) stay."""
    moved: dict[str, int] = {}
    for relation in Card._meta.related_objects:
        model = relation.related_model
        if relation.one_to_one or relation.many_to_many or model in _CARD_OWN or model is Card:
            continue
        count = model._default_manager.filter(**{relation.field.name: source}).update(**{relation.field.name: target})
        if count:
            moved[model._meta.model_name or ""] = count
    return moved


def _card_move(*, card: Card, survivor: Customer, absorbed: Customer, actor: Actor) -> None:
    """A card of a program only the absorbed customer holds goes to the survivor as it is."""
    Card.objects.filter(pk=card.pk).update(customer=survivor)
    card.customer = survivor
    ledger_append(card=card, kind=EventKind.MERGED_IN, delta=0, actor=actor, from_customer=str(absorbed.pk))


def _customer_rows_move(*, survivor: Customer, absorbed: Customer) -> None:
    """Point the absorbed customer's other rows (insert claims, and tables added later) at the survivor. A row the
    survivor already has the like of (a unique constraint says so) stays with the absorbed customer."""
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if relation.one_to_one or relation.many_to_many or model in _CUSTOMER_OWN or model is Customer:
            continue
        manager = model._default_manager
        name = relation.field.name
        try:
            with transaction.atomic():
                manager.filter(**{name: absorbed}).update(**{name: survivor})
        except IntegrityError:
            for pk in list(manager.filter(**{name: absorbed}).values_list("pk", flat=True)):
                try:
                    with transaction.atomic():
                        manager.filter(pk=pk).update(**{name: survivor})
                except IntegrityError:
                    continue


def _customer_fields_take(*, survivor: Customer, absorbed: Customer) -> list[str]:
    """Close the absorbed customer and give the survivor the contact details it lacks; returns the fields taken."""
    taken = _taken_over(survivor, absorbed)
    # Email and phone are unique per merchant: the absorbed customer lets go of them before the survivor takes them.
    Customer.objects.filter(pk=absorbed.pk).update(
        email="", phone="", marketing_email_consent=False, marketing_email_consent_at=None, merged_into=survivor
    )
    if taken:
        Customer.objects.filter(pk=survivor.pk).update(**taken)
    for name, value in taken.items():
        setattr(survivor, name, value)
    absorbed.email, absorbed.phone, absorbed.merged_into = "", "", survivor
    absorbed.marketing_email_consent, absorbed.marketing_email_consent_at = False, None
    return sorted(name for name in taken if not name.startswith("marketing_"))


def merge_for_customer(*, customer: Customer) -> CustomerMerge | None:
    """The merge that closed ``customer``, if one did."""
    return CustomerMerge.objects.filter(absorbed=customer).select_related("survivor", "merged_by").first()
