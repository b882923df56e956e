"""Changing a program's rules, and moving its cards onto the new rules.

A change makes a new ``ProgramVersion`` (``cards.versions``); existing cards keep theirs until the merchant
regenerates them, which may reach rewards at once: that is why regenerating is orchestrated here, beside the
checkout, and why a milestone may name only a lottery of the merchant (``lottery`` sits above ``cards``).
"""

from typing import Any

from django.db import transaction

from stampcard.cards import selectors as cards_selectors
from stampcard.cards import transfer as cards_transfer
from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock, program_lock
from stampcard.cards.milestones import milestones_clean
from stampcard.cards.models import Card, EventKind, Program, ProgramRules, ProgramVersion
from stampcard.cards.versions import program_rules_validate, program_version_current
from stampcard.checkouts import rewards as checkouts_rewards
from stampcard.core.errors import ValidationFailed
from stampcard.lottery import selectors as lottery_selectors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role

REGENERATE_BATCH = 200


@transaction.atomic
def program_update(*, actor: Actor, program_id: str, **changes: Any) -> ProgramVersion:
    """Change a program's rules (a manager's act): a new version when anything changed, else the current one."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    program = program_lock(program_id=cards_selectors.program_get(merchant=actor.merchant, program_id=program_id).pk)
    current = program_version_current(program=program)
    unknown = set(changes) - set(ProgramRules.RULE_FIELDS)
    if unknown:
        raise ValidationFailed(code="unknown_field", field=sorted(unknown)[0])
    if "milestones" in changes and changes["milestones"]:
        changes["milestones"] = milestones_clean(
            changes["milestones"], lottery_ids=lottery_selectors.lottery_ids(merchant=actor.merchant)
        )
        changes["goal"] = changes["milestones"][-1]["at"]
    for name, value in changes.items():
        setattr(program, name, value)
    program_rules_validate(program)
    diff = {
        name: [getattr(current, name), getattr(program, name)]
        for name in ProgramRules.RULE_FIELDS
        if getattr(current, name) != getattr(program, name)
    }
    if not diff:
        return current
    program.version += 1
    program.save()
    return ProgramVersion.objects.create(
        merchant_id=program.merchant_id,
        program=program,
        number=program.version,
        changes=diff,
        created_by=actor.user,
        **program.rules_dict(),
    )


def program_cards_regenerate(*, actor: Actor, program_id: str) -> int:
    """Move every card of the program onto its latest version; returns how many moved.

    Each card moves under its own lock with a ledger line, in batches of short transactions, so tills keep
    stamping meanwhile. Rewards the new rules reach at once are issued.
    """
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    program = cards_selectors.program_get(merchant=actor.merchant, program_id=program_id)
    latest = program_version_current(program=program)
    moved = 0
    while True:
        ids = list(
            Card.objects.filter(program=program)
            .exclude(program_version=latest)
            .values_list("pk", flat=True)[:REGENERATE_BATCH]
        )
        if not ids:
            return moved
        for card_id in ids:
            with transaction.atomic():
                card = card_lock(merchant=actor.merchant, card_id=card_id)
                if card.program_version_id == latest.pk:
                    continue
                before = card.program_version.number if card.program_version else None
                card.program_version = latest
                card.milestones_reached = min(card.milestones_reached, len(latest.milestone_list()) - 1)
                Card.objects.filter(pk=card.pk).update(
                    program_version=latest, milestones_reached=card.milestones_reached
                )
                ledger_append(
                    card=card,
                    kind=EventKind.PROGRAM_VERSION_CHANGED,
                    delta=0,
                    actor=actor,
                    version_before=before,
                    version_after=latest.number,
                )
                checkouts_rewards.rewards_issue_reached(card=card, actor=actor)
                moved += 1


def program_create(*, actor: Actor, fields: dict[str, Any]) -> Program:
    """A new program from the designer's or a template's fields; milestones may name the merchant's lotteries."""
    return cards_transfer.program_create(
        actor=actor, fields=fields, lottery_ids=lottery_selectors.lottery_ids(merchant=actor.merchant)
    )


def program_import(*, actor: Actor, data: Any) -> Program:
    """A new program from an exported document (``cards.transfer``); raises DocumentInvalid listing each problem."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    lottery_ids = lottery_selectors.lottery_ids(merchant=actor.merchant)
    fields = cards_transfer.program_document_clean(data=data, lottery_ids=lottery_ids)
    return cards_transfer.program_create(actor=actor, fields=fields, lottery_ids=lottery_ids)
