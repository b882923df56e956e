"""Setting up an automation: switch it on or off, its days, its texts, its channels, its voucher. Managers and owners.

The texts are checked against each chosen channel's limits (``messages.limits``) here, so the panel and the API
refuse a subject too long for email with the same code and field (``parts.<language>.subject``).
"""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from stampcard.campaigns.automations import selectors
from stampcard.campaigns.automations.kinds import REMINDER_MAX, SEND_HOUR_EARLIEST, SEND_HOUR_LATEST, SPECS
from stampcard.campaigns.automations.models import Automation
from stampcard.campaigns.messages import limits
from stampcard.core import clock
from stampcard.core.errors import ValidationFailed
from stampcard.core.validity import MAX_DAYS
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role

UNCHANGED: Any = object()


@dataclass(frozen=True)
class AutomationChanges:
    """What to change; a field left ``UNCHANGED`` keeps its value."""

    is_enabled: Any = UNCHANGED
    days: Any = UNCHANGED
    reminder_days: Any = UNCHANGED
    send_hour: Any = UNCHANGED
    channels: Any = UNCHANGED
    parts: Any = UNCHANGED
    voucher_title: Any = UNCHANGED
    voucher_description: Any = UNCHANGED
    voucher_days: Any = UNCHANGED


def _invalid(message: Any, *, code: str, field: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field, **details)


def _check(automation: Automation) -> None:
    spec = SPECS[automation.kind]
    if spec.days_label is not None and not spec.days_min <= automation.days <= spec.days_max:
        raise _invalid(
            _("Choose a number of days from %(min)d to %(max)d.") % {"min": spec.days_min, "max": spec.days_max},
            code="automation_days_invalid",
            field="days",
        )
    if spec.has_reminder and not 0 <= automation.reminder_days <= min(REMINDER_MAX, max(automation.days - 1, 0)):
        raise _invalid(
            _("Remind between 0 and %(max)d days before the stamps lapse (fewer than the days they last).")
            % {"max": min(REMINDER_MAX, max(automation.days - 1, 0))},
            code="automation_reminder_invalid",
            field="reminder_days",
        )
    if not SEND_HOUR_EARLIEST <= automation.send_hour <= SEND_HOUR_LATEST:
        raise _invalid(
            _("Choose an hour from %(earliest)d to %(latest)d (messages are not sent at night).")
            % {"earliest": SEND_HOUR_EARLIEST, "latest": SEND_HOUR_LATEST},
            code="automation_send_hour_invalid",
            field="send_hour",
        )
    if automation.voucher_days is not None and not 1 <= automation.voucher_days <= MAX_DAYS:
        raise _invalid(
            _("A voucher is valid from 1 to %(max)d days; leave it empty for no expiry.") % {"max": MAX_DAYS},
            code="automation_voucher_days_invalid",
            field="voucher_days",
        )
    if len(automation.voucher_title) > 100:
        raise _invalid(
            _("A voucher title can be at most 100 characters long."),
            code="automation_voucher_title_too_long",
            field="voucher_title",
        )
    if automation.voucher_title and automation.kind == "stamp_expiry":
        raise _invalid(
            _("Stamp expiry gives no voucher."), code="automation_voucher_not_allowed", field="voucher_title"
        )
    sends = not (spec.has_reminder and automation.reminder_days == 0)
    if automation.is_enabled and sends:
        automation.channels = limits.channels_check(list(automation.channels))
        automation.parts = limits.message_parts_check(automation.parts or {}, channels=automation.channels)
    elif automation.parts:
        # Saved while off: still checked, so switching it on later needs no new texts; channels default to email.
        automation.channels = limits.channels_check(list(automation.channels) or ["email"])
        automation.parts = limits.message_parts_check(automation.parts, channels=automation.channels)


PART_KEYS = ("subject", "text", "html", "wallet")  # what a language's part may say (``messages.limits``)


def _cleaned_parts(parts: Any) -> dict[str, dict[str, str]]:
    """Languages left entirely blank are dropped (a merchant may write in one language only)."""
    if not isinstance(parts, dict):
        raise _invalid(_("Write the message per language."), code="automation_parts_invalid", field="parts")
    kept: dict[str, dict[str, str]] = {}
    for language, part in parts.items():
        if not isinstance(part, dict):
            raise _invalid(_("Write the message per language."), code="automation_parts_invalid", field="parts")
        if any(str(part.get(key) or "").strip() for key in PART_KEYS):
            kept[str(language)] = {key: str(part.get(key) or "") for key in PART_KEYS}
    return kept


@transaction.atomic
def automation_update(*, actor: Actor, program_id: Any, kind: str, changes: AutomationChanges) -> Automation:
    """Change one automation of a program (made on first change). Raises NotFound (another merchant's program, an
    unknown kind), RoleForbidden below manager, ValidationFailed / MessageInvalid with the field to fix."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    program, found = selectors.automation_get(merchant=actor.merchant, program_id=program_id, kind=kind)
    automation = found
    if not found._state.adding:
        automation = Automation.objects.select_for_update().get(pk=found.pk)
    was_enabled = automation.is_enabled and not automation._state.adding
    for name in AutomationChanges.__dataclass_fields__:
        value = getattr(changes, name)
        if value is UNCHANGED:
            continue
        if name == "parts":
            value = _cleaned_parts(value)
        elif name in ("voucher_title", "voucher_description"):
            value = " ".join(str(value or "").split()) if name == "voucher_title" else str(value or "").strip()
        elif name == "channels":
            value = list(value or [])
        setattr(automation, name, value)
    _check(automation)
    if automation.is_enabled and not was_enabled:
        automation.enabled_at = clock.now()
    automation.updated_by = actor.user
    try:
        with transaction.atomic():
            automation.save()
    except IntegrityError:
        # Another manager made this automation at the same moment: apply the change to theirs.
        return automation_update(actor=actor, program_id=program.pk, kind=kind, changes=changes)
    return automation
