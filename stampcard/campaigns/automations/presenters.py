"""Automations -> API payloads (the shapes in ``schemas``)."""

from typing import Any

from stampcard.campaigns.automations import selectors
from stampcard.campaigns.automations.kinds import SPECS
from stampcard.campaigns.automations.models import Automation


def automation_payload(automation: Automation) -> dict[str, Any]:
    spec = SPECS[automation.kind]
    saved = not automation._state.adding
    return {
        "program_id": str(automation.program_id),
        "kind": automation.kind,
        "description": str(spec.description),
        "is_enabled": automation.is_enabled,
        "enabled_at": automation.enabled_at,
        "days": automation.days if spec.days_label is not None else None,
        "days_label": str(spec.days_label) if spec.days_label is not None else None,
        "reminder_days": automation.reminder_days if spec.has_reminder else None,
        "send_hour": automation.send_hour,
        "channels": list(automation.channels),
        "is_marketing": spec.is_marketing,
        "parts": {
            lang: {"subject": p.get("subject", ""), "text": p.get("text", "")} for lang, p in automation.parts.items()
        },
        "voucher": (
            {
                "title": automation.voucher_title,
                "description": automation.voucher_description,
                "validity_days": automation.voucher_days,
            }
            if automation.gives_voucher
            else None
        ),
        "fired": selectors.firings_count(automation=automation),
        "updated_at": automation.updated_at if saved else None,
    }
