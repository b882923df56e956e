"""Reads of automations, through the tenant door: another merchant's program answers NotFound."""

from typing import Any

from stampcard.campaigns.automations.kinds import SEND_HOUR_DEFAULT, SPECS
from stampcard.campaigns.automations.models import Automation, AutomationFiring
from stampcard.cards import selectors as cards_selectors
from stampcard.cards.models import Program
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Merchant


def automation_default(*, program: Program, kind: str) -> Automation:
    """The automation as it is before anybody set it up: off, with its kind's default days (not saved)."""
    spec = SPECS[kind]
    return Automation(
        merchant_id=program.merchant_id,
        program=program,
        kind=kind,
        days=spec.days_default,
        reminder_days=7 if spec.has_reminder else 0,
        send_hour=SEND_HOUR_DEFAULT,
        channels=["email"],
    )


def automations_of_program(*, merchant: Merchant, program_id: Any) -> tuple[Program, list[Automation]]:
    """The program and its automations, one per kind in the catalogue's order (defaults for kinds never set)."""
    program = cards_selectors.program_get(merchant=merchant, program_id=program_id)
    saved = {automation.kind: automation for automation in Automation.objects.filter(program=program)}
    return program, [saved.get(kind) or automation_default(program=program, kind=kind) for kind in SPECS]


def automation_get(*, merchant: Merchant, program_id: Any, kind: str) -> tuple[Program, Automation]:
    if kind not in SPECS:
        raise NotFound(code="automation_not_found")
    program = cards_selectors.program_get(merchant=merchant, program_id=program_id)
    found = Automation.objects.filter(program=program, kind=kind).first()
    return program, found or automation_default(program=program, kind=kind)


def firings_count(*, automation: Automation) -> int:
    """How many times it sent (or would have sent) its message; stamps lapsing are not counted."""
    if automation.pk is None or automation._state.adding:
        return 0
    return AutomationFiring.objects.filter(automation=automation).exclude(occasion__startswith="lapse:").count()
