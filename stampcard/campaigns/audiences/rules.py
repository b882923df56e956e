"""An audience rule: a small tree of segments joined by AND/OR, stored as JSON on a campaign.

Shape (``rule_clean`` checks it and answers the cleaned tree, or AudienceInvalid with the path of the problem)::

    {"match": "all" | "any", "rules": [<segment> | <group>, ...]}      # a group; groups nest up to MAX_DEPTH
    {"segment": "program", "program": "<id>"}
    {"segment": "last_location", "location": "<id>"}
    {"segment": "stamps_to_goal", "at_most": 1}                     # 1..at_most stamps short of the reward
    {"segment": "last_visit", "within_days": 30} | {"segment": "last_visit", "more_than_days": 60}
    {"segment": "visits", "days": 30, "at_least": 3}                # stamped visits in the last ``days``
    {"segment": "open_vouchers"}                                      # an issued or active voucher in the card
    {"segment": "birthday_this_month"}
    {"segment": "wallet", "platform": "apple" | "google" | "none"}
    {"segment": "language", "language": "en" | "uk"}
    {"segment": "consent", "marketing_email": true | false}

People never type it: the panel's audience builder writes it (``panel.campaigns.forms``), the API takes it as JSON.
An empty group matches every card. ``compile`` turns it into a ``Q`` over ``cards.Card``.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import ValidationFailed

MAX_DEPTH = 3
MAX_RULES = 20
MAX_DAYS = 3650


class Segment(TextChoices):
    PROGRAM = "program", _("Holds a card of the program")
    LAST_LOCATION = "last_location", _("Last visit was at the location")
    STAMPS_TO_GOAL = "stamps_to_goal", _("Close to the reward")
    LAST_VISIT = "last_visit", _("Last visit")
    VISITS = "visits", _("Visits in a period")
    OPEN_VOUCHERS = "open_vouchers", _("Has a voucher not yet used")
    BIRTHDAY_THIS_MONTH = "birthday_this_month", _("Birthday this month")
    WALLET = "wallet", _("Wallet")
    LANGUAGE = "language", _("Language")
    CONSENT = "consent", _("Agreed to marketing email")


class Platform(TextChoices):
    APPLE = "apple", _("Apple Wallet")
    GOOGLE = "google", _("Google Wallet")
    NONE = "none", _("No wallet (web card only)")


class AudienceInvalid(ValidationFailed):
    code = "audience_invalid"


def _fail(message: Any, path: str) -> AudienceInvalid:
    return AudienceInvalid(message, field=f"audience{path}")


def _int(node: dict[str, Any], key: str, path: str, *, low: int = 1, high: int = MAX_DAYS) -> int:
    value = node.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(_("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}, f"{path}.{key}")
    return value


def _text(node: dict[str, Any], key: str, path: str, allowed: list[str] | None = None) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value or (allowed is not None and value not in allowed):
        raise _fail(_("Choose a value."), f"{path}.{key}")
    return value


def _segment_clean(node: dict[str, Any], path: str, languages: list[str]) -> dict[str, Any]:
    kind = node.get("segment")
    if kind not in Segment.values:
        raise _fail(_("Unknown kind of condition."), f"{path}.segment")
    clean: dict[str, Any] = {"segment": kind}
    if kind == Segment.PROGRAM:
        clean["program"] = _text(node, "program", path)
    elif kind == Segment.LAST_LOCATION:
        clean["location"] = _text(node, "location", path)
    elif kind == Segment.STAMPS_TO_GOAL:
        clean["at_most"] = _int(node, "at_most", path, high=100)
    elif kind == Segment.LAST_VISIT:
        if ("within_days" in node) == ("more_than_days" in node):
            raise _fail(_("Say either within how many days or more than how many days."), path)
        key = "within_days" if "within_days" in node else "more_than_days"
        clean[key] = _int(node, key, path)
    elif kind == Segment.VISITS:
        clean["days"] = _int(node, "days", path)
        clean["at_least"] = _int(node, "at_least", path, high=1000)
    elif kind == Segment.WALLET:
        clean["platform"] = _text(node, "platform", path, Platform.values)
    elif kind == Segment.LANGUAGE:
        clean["language"] = _text(node, "language", path, languages)
    elif kind == Segment.CONSENT:
        value = node.get("marketing_email")
        if not isinstance(value, bool):
            raise _fail(_("Choose yes or no."), f"{path}.marketing_email")
        clean["marketing_email"] = value
    return clean


def rule_clean(rule: Any, *, languages: list[str], path: str = "", depth: int = 1) -> dict[str, Any]:
    """The rule checked and normalised (unknown keys dropped); AudienceInvalid names the first problem."""
    if not isinstance(rule, dict):
        raise _fail(_("An audience is a group of conditions."), path)
    if "segment" in rule:
        if depth == 1:
            return {"match": "all", "rules": [_segment_clean(rule, f"{path}.rules.0", languages)]}
        return _segment_clean(rule, path, languages)
    match = rule.get("match", "all")
    if match not in ("all", "any"):
        raise _fail(_("A group matches all or any of its conditions."), f"{path}.match")
    children = rule.get("rules", [])
    if not isinstance(children, list) or len(children) > MAX_RULES:
        raise _fail(_("A group holds at most %(max)d conditions.") % {"max": MAX_RULES}, f"{path}.rules")
    if depth >= MAX_DEPTH and any(isinstance(c, dict) and "segment" not in c for c in children):
        raise _fail(_("Groups nest at most %(max)d deep.") % {"max": MAX_DEPTH}, f"{path}.rules")
    return {
        "match": match,
        "rules": [
            rule_clean(child, languages=languages, path=f"{path}.rules.{index}", depth=depth + 1)
            for index, child in enumerate(children)
        ],
    }


@dataclass(frozen=True)
class Reference:
    """An id a rule names (a program or a location) and where."""

    kind: str
    value: str


def references(rule: dict[str, Any]) -> list[Reference]:
    """Every program and location id the rule names (the caller checks they are the merchant's)."""
    if "segment" in rule:
        if rule["segment"] == Segment.PROGRAM:
            return [Reference("program", rule["program"])]
        if rule["segment"] == Segment.LAST_LOCATION:
            return [Reference("location", rule["location"])]
        return []
    return [ref for child in rule.get("rules", []) for ref in references(child)]


EMPTY: dict[str, Any] = {"match": "all", "rules": []}
