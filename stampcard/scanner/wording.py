"""An anti-abuse alert in words, for the panel's review page and the alert emails (never its JSON)."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stampcard.merchants.actors import Channel
from stampcard.scanner.models import AbuseAlert, AlertKind, RefusalCode


def _count(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def alert_details_text(alert: AbuseAlert) -> str:
    """What happened, in a sentence in the active language; unknown detail keys are left out."""
    details = alert.details if isinstance(alert.details, dict) else {}
    if alert.kind == AlertKind.REPEATED_REFUSALS:
        refusals, threshold = _count(details.get("refusals")), _count(details.get("threshold"))
        text = ngettext(
            "%(count)d self-service scan refused that day (alert from %(threshold)d).",
            "%(count)d self-service scans refused that day (alert from %(threshold)d).",
            refusals,
        ) % {"count": refusals, "threshold": threshold}
        codes = details.get("codes")
        codes = codes if isinstance(codes, dict) else {}
        reasons = [f"{_label(RefusalCode, code)}: {_count(n)}" for code, n in sorted(codes.items())]
        return f"{text} {'; '.join(reasons)}." if reasons else text
    if alert.kind == AlertKind.UNUSUAL_ACTIVITY:
        stamps, threshold = _count(details.get("stamp_operations")), _count(details.get("threshold"))
        text = ngettext(
            "%(count)d stamping that day, more than the %(threshold)d a day you allow.",
            "%(count)d stampings that day, more than the %(threshold)d a day you allow.",
            stamps,
        ) % {"count": stamps, "threshold": threshold}
        channels = details.get("channels")
        channels = channels if isinstance(channels, dict) else {}
        sources = [f"{_label(Channel, channel)}: {_count(n)}" for channel, n in sorted(channels.items())]
        return f"{text} {_('By channel')}: {'; '.join(sources)}." if sources else text
    return ""
