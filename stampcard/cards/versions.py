"""Versioned program rules.

Changing what stamps are worth or what they turn into while customers are collecting would move the goalposts
under them, so a change makes a new ``ProgramVersion``: new cards join on it, existing cards keep the version they
joined with until the merchant regenerates them onto the latest one. Each version records who changed what.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from stampcard.cards import selectors
from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock
from stampcard.cards.milestones import milestones_clean
from stampcard.cards.models import Card, EarningRule, EventKind, Program, ProgramRules, ProgramVersion
from stampcard.core.errors import ValidationFailed
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role

REGENERATE_BATCH = 200


def program_version_current(*, program: Program) -> ProgramVersion:
    """The version new cards join on; made from the program's rules when the program has none yet."""
    version = ProgramVersion.objects.filter(program=program, number=program.version).first()
    if version is not None:
        return version
    try:
        with transaction.atomic():
            return ProgramVersion.objects.create(
                merchant_id=program.merchant_id, program=program, number=program.version, **program.rules_dict()
            )
    except IntegrityError:  # a concurrent first enrolment made it
        return ProgramVersion.objects.get(program=program, number=program.version)


@transaction.atomic
def program_update(*, actor: Actor, program_id: str, **changes: Any) -> ProgramVersion:
    """Change a program's rules (a manager's act): a new version when anything changed, else the current one."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    program = Program.objects.select_for_update().get(
        pk=selectors.program_get(merchant=actor.merchant, program_id=program_id).pk
    )
    current = program_version_current(program=program)
    unknown = set(changes) - set(ProgramRules.RULE_FIELDS)
    if unknown:
        raise ValidationFailed(code="unknown_field", field=sorted(unknown)[0])
    if "milestones" in changes and changes["milestones"]:
        changes["milestones"] = milestones_clean(changes["milestones"], lottery_ids=_lottery_ids(actor))
        changes["goal"] = changes["milestones"][-1]["at"]
    for name, value in changes.items():
        setattr(program, name, value)
    _validate_rules(program)
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
    from stampcard.rewards.services import rewards_issue_reached  # rewards builds on cards

    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    program = selectors.program_get(merchant=actor.merchant, program_id=program_id)
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
                rewards_issue_reached(card=card, actor=actor)
                moved += 1


def _validate_rules(rules: ProgramRules) -> None:
    if not 1 <= rules.goal <= 100:
        raise ValidationFailed(_("The goal is between 1 and 100 stamps."), code="invalid_goal", field="goal")
    if rules.earning_rule == EarningRule.PER_AMOUNT and not rules.amount_per_stamp:
        raise ValidationFailed(
            _("Say how much a stamp costs for the per-amount rule."),
            code="invalid_amount_per_stamp",
            field="amount_per_stamp",
        )
    if rules.earning_rule not in EarningRule.values:
        raise ValidationFailed(code="invalid_earning_rule", field="earning_rule")
    if not rules.milestones and not (rules.reward_title or "").strip():
        raise ValidationFailed(_("Name the reward."), code="invalid_reward_title", field="reward_title")


def _lottery_ids(actor: Actor) -> set[str]:
    from stampcard.lottery.models import Lottery  # the lottery builds on cards

    return {str(pk) for pk in Lottery.objects.filter(merchant=actor.merchant).values_list("pk", flat=True)}
