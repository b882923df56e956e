"""Versioned program rules.

Changing what stamps are worth or what they turn into while customers are collecting would move the goalposts
under them, so a change makes a new ``ProgramVersion``: new cards join on it, existing cards keep the version they
joined with until the merchant regenerates them onto the latest one. Each version records who changed what.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from stampcard.cards.models import EarningRule, Program, ProgramRules, ProgramVersion
from stampcard.core.errors import ValidationFailed


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


def program_rules_validate(rules: ProgramRules) -> None:
    """Raise ValidationFailed when the rules cannot run: goal out of range, per-amount without a price, no reward."""
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
