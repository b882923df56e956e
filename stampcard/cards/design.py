"""A program's look: name, colours, logo, stamp pictures and strip. Unlike its rules, the design is not versioned:
every card shows the current one, so a change marks all the program's cards changed and their wallet passes
follow."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from stampcard.cards import selectors
from stampcard.cards.changes import cards_touch
from stampcard.cards.models import Card, Program
from stampcard.core.errors import ValidationFailed
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role

DESIGN_FIELDS = (
    "name",
    "background_color",
    "foreground_color",
    "label_color",
    "logo",
    "stamp_icon",
    "stamp_image",
    "stamp_empty_image",
    "strip_image",
)


@transaction.atomic
def program_design_update(*, actor: Actor, program_id: str, **changes: Any) -> Program:
    """Change how a program looks (a manager's act); every card of the program is marked changed."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    unknown = set(changes) - set(DESIGN_FIELDS)
    if unknown:
        raise ValidationFailed(code="unknown_field", field=sorted(unknown)[0])
    program = selectors.program_get(merchant=actor.merchant, program_id=program_id)
    for name, value in changes.items():
        setattr(program, name, value)
    try:
        program.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as error:  # name the first field it complains about
        field, messages = next(iter(error.message_dict.items()))
        raise ValidationFailed(messages[0], code="invalid_design", field=field) from None
    program.save(update_fields=list(changes))
    program_cards_touch(program=program)
    return program


def program_cards_touch(*, program: Program) -> None:
    """Mark every card of the program changed (in the caller's transaction); wallets update after commit."""
    cards_touch(card_ids=list(Card.objects.filter(program=program).values_list("pk", flat=True)))


# How a program's stamps are given and guarded: neither its look nor its rules, so not versioned and with nothing
# for the cards to redraw.
SETTING_FIELDS = (
    "stamping_mode",
    "receipt_claim_days",
    "selfservice_stamps_per_visit",
    "selfservice_visit_window_minutes",
    "selfservice_daily_cap",
    "selfservice_device_scans_per_minute",
    "selfservice_voucher_cooldown_minutes",
    "alert_refusals_per_day",
    "alert_stamps_per_day",
)


@transaction.atomic
def program_settings_update(*, actor: Actor, program_id: str, **changes: Any) -> Program:
    """Change how a program's stamps are given (stamping mode, receipt claims) and guarded (self-service limits,
    alerts); a manager's act."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    unknown = set(changes) - set(SETTING_FIELDS)
    if unknown:
        raise ValidationFailed(code="unknown_field", field=sorted(unknown)[0])
    program = selectors.program_get(merchant=actor.merchant, program_id=program_id)
    for name, value in changes.items():
        setattr(program, name, value)
    try:
        program.full_clean(validate_unique=False, validate_constraints=False)
    except DjangoValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ValidationFailed(messages[0], code="invalid_settings", field=field) from None
    program.save(update_fields=list(changes))
    return program
