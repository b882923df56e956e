"""Running the automations (the periodic task ``tasks.automations_run``): for each switched-on automation, fire it
for what is due, in the merchant's daytime.

A run of one automation is one transaction: it records a firing per (card, occasion) — the unique index turns away
one that another worker recorded first, who then owns it — gives each its voucher, raises its webhook event, and
puts every card it fired for into one message (``messages.services``) that starts sending once the transaction
commits. So several workers running at once, or a run repeated after a crash, fire each occasion once; a run that
fails writes nothing and the next run does it.

Stamps lapse at any hour (nothing is sent for it), card by card, through ``checkouts.lapse``.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from stampcard.campaigns.automations import localtime, occasions
from stampcard.campaigns.automations.kinds import SPECS
from stampcard.campaigns.automations.models import Automation, AutomationFiring, AutomationKind
from stampcard.campaigns.messages import services as messages_services
from stampcard.campaigns.webhooks import feed as webhooks_feed
from stampcard.campaigns.webhooks import services as webhooks_services
from stampcard.cards.models import Card
from stampcard.checkouts import lapse as checkouts_lapse
from stampcard.core import clock
from stampcard.core.errors import ApplicationError
from stampcard.core.validity import Validity
from stampcard.merchants.actors import Actor
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher

logger = logging.getLogger(__name__)

RUN_LIMIT = 500  # occasions fired per automation per run; the rest in the next run
LAPSE_LIMIT = 500
WEBHOOK_EVENTS = {AutomationKind.BIRTHDAY: "birthday.reached", AutomationKind.WIN_BACK: "inactivity.reached"}


@dataclass
class RunReport:
    fired: int = 0
    lapsed: int = 0
    messages: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"fired": self.fired, "lapsed": self.lapsed, "messages": self.messages, "failed": self.failed}


def automations_run(*, now: datetime | None = None, limit: int = RUN_LIMIT) -> RunReport:
    """Run every switched-on automation once. One automation failing (logged) never stops the others."""
    now = now or clock.now()
    report = RunReport()
    enabled = Automation.objects.filter(is_enabled=True).select_related("merchant", "program").order_by("pk")
    for automation in enabled:
        try:
            automation_run(automation=automation, now=now, limit=limit, report=report)
        except Exception:
            report.failed += 1
            logger.exception("automation %s (%s) failed; the next run tries again", automation.pk, automation.kind)
    return report


def automation_run(
    *, automation: Automation, now: datetime, limit: int = RUN_LIMIT, report: RunReport | None = None
) -> RunReport:
    report = report or RunReport()
    local_now = now.astimezone(automation.merchant.tz)
    today = occasions.Today(now=local_now, day=local_now.date())
    if automation.kind == AutomationKind.STAMP_EXPIRY:
        report.lapsed += stamps_lapse(automation=automation, today=today, limit=limit)
    if not localtime.in_send_window(local_now, send_hour=automation.send_hour):
        return report
    dues = occasions.FINDERS[automation.kind](automation, today, limit)
    if dues:
        fired, message = fire(automation=automation, dues=dues, now=now)
        report.fired += fired
        report.messages += int(message is not None)
    return report


def _voucher_give(automation: Automation, card: Card, actor: Actor) -> Voucher | None:
    if not automation.gives_voucher:
        return None
    validity = Validity(days=automation.voucher_days) if automation.voucher_days else None
    try:
        with transaction.atomic():
            (voucher,) = vouchers_services.voucher_issue(
                actor=actor,
                card=card,
                title=automation.voucher_title,
                description=automation.voucher_description,
                validity=validity,
            )
    except ApplicationError as refused:  # the plan's monthly operations used up: the message still goes
        logger.warning("automation %s: no voucher for card %s (%s)", automation.pk, card.pk, refused.code)
        return None
    return voucher


def _webhook(automation: Automation, due: occasions.Due, now: datetime) -> None:
    event = WEBHOOK_EVENTS.get(AutomationKind(automation.kind))
    if event is None:
        return
    data: dict[str, Any] = webhooks_feed.card_data(due.card)
    if "birthday" in due.data:
        data["customer"]["birthday"] = due.data["birthday"]
    data.update({key: value for key, value in due.data.items() if key != "birthday"})
    webhooks_services.event_emit(
        merchant=automation.merchant, event=event, key=f"{due.card.pk}:{due.occasion}", data=data, at=now
    )


@transaction.atomic
def fire(*, automation: Automation, dues: list[occasions.Due], now: datetime) -> tuple[int, Any]:
    """Fire ``automation`` for each due occasion not fired yet; returns how many fired and the message (or None).
    Cards are taken in primary-key order, the order every writer locks them in."""
    actor = Actor.system(automation.merchant)
    fired: list[AutomationFiring] = []
    cards: dict[int, Card] = {}
    vouchers: dict[int, Any] = {}  # card id -> the voucher given with this firing, shown in the card's email
    for due in sorted(dues, key=lambda each: each.card.pk):
        try:
            with transaction.atomic():
                firing = AutomationFiring.objects.create(
                    merchant_id=automation.merchant_id,
                    automation=automation,
                    card=due.card,
                    occasion=due.occasion,
                    fired_at=now,
                )
        except IntegrityError:
            continue  # fired already, by an earlier run or by another worker right now
        voucher = _voucher_give(automation, due.card, actor)
        if voucher is not None:
            firing.voucher = voucher
            firing.save(update_fields=["voucher"])
            vouchers[due.card.pk] = voucher.pk
        _webhook(automation, due, now)
        fired.append(firing)
        cards[due.card.pk] = due.card
    message = None
    if fired and automation.parts:
        message = messages_services.message_create(
            actor=actor,
            channels=list(automation.channels),
            parts=automation.parts,
            is_marketing=SPECS[automation.kind].is_marketing,
            source="automation",
        )
        messages_services.message_recipients_add(message=message, cards=cards.values(), vouchers=vouchers)
        messages_services.message_send_start(message=message)
        AutomationFiring.objects.filter(pk__in=[firing.pk for firing in fired]).update(message=message)
    return len(fired), message


def stamps_lapse(*, automation: Automation, today: occasions.Today, limit: int = LAPSE_LIMIT) -> int:
    """Take the stamps off cards idle for the automation's days; each card in its own transaction (its lock held
    only for its own lapse). Returns how many cards lost their stamps."""
    cut = occasions.lapse_cut(automation, today)
    if cut is None:
        return 0
    actor = Actor.system(automation.merchant)
    due = list(
        occasions.holders(automation)
        .filter(stamps__gt=0, last_visit__lt=cut)
        .order_by("pk")
        .values_list("pk", "last_visit")[:limit]
    )
    lapsed = 0
    for card_id, last_visit in due:
        with transaction.atomic():
            done = checkouts_lapse.card_stamps_lapse(
                actor=actor, card_id=card_id, visited_before=cut, idle_days=automation.days
            )
            if done is None:
                continue  # visited at this very moment, or lapsed by another worker
            try:
                with transaction.atomic():
                    AutomationFiring.objects.create(
                        merchant_id=automation.merchant_id,
                        automation=automation,
                        card_id=done.card.pk,
                        occasion=f"lapse:{last_visit.isoformat()}",
                        fired_at=today.now,
                        stamps_lapsed=done.stamps_lapsed,
                    )
            except IntegrityError:
                pass  # stamps given by hand after an earlier lapse lapsed again: the ledger holds both
            lapsed += 1
    return lapsed
