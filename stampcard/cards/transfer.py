"""A program as a JSON document, to keep a copy, move it to another merchant or start a new program from it; and
the creation of a program, from a template, a document or the designer.

The document holds the look (without the uploaded pictures, which stay files) and the rules; importing checks it
with the same rules as a change of a running program (``versions.program_rules_validate``,
``milestones.milestones_clean``) and reports every problem it finds, each naming its field.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stampcard.cards.milestones import milestones_clean
from stampcard.cards.models import Program, ProgramRules, StampingMode
from stampcard.cards.versions import program_rules_validate, program_version_current
from stampcard.core.errors import ValidationFailed
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role

FORMAT = "stampcard.program"
FORMAT_VERSION = 1

# What a document carries besides the rules: the look without pictures, the stamping and self-service settings.
SETTING_FIELDS = (
    "name",
    "background_color",
    "foreground_color",
    "label_color",
    "stamp_icon",
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
DOCUMENT_FIELDS = SETTING_FIELDS + ProgramRules.RULE_FIELDS
_INTEGER_FIELDS = {
    "goal",
    "stamps_per_receipt",
    "amount_per_stamp",
    "min_check_total",
    "max_stamps_per_check",
    "receipt_claim_days",
    *(name for name in SETTING_FIELDS if name.startswith(("selfservice_", "alert_"))),
}


def program_export(*, program: Program) -> dict[str, Any]:
    """The program's document: ``{"format", "version", "program": {field: value}}``."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "program": {name: getattr(program, name) for name in DOCUMENT_FIELDS},
    }


class DocumentInvalid(ValidationFailed):
    """A program document with one or more problems; ``details.fields`` lists each with its field."""

    code = "invalid_program_document"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(_("The file is not a program stampcard can use."))
        self.details["fields"] = [{"field": field, "problem": problem} for field, problem in problems]

    @property
    def problems(self) -> list[tuple[str, str]]:
        return [(item["field"], item["problem"]) for item in self.details["fields"]]


def program_document_clean(*, data: Any, lottery_ids: set[str]) -> dict[str, Any]:
    """The program fields of a document, checked; raises DocumentInvalid listing every problem found.

    ``lottery_ids`` are the importing merchant's lotteries: a milestone naming another one is refused.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("program"), dict):
        raise DocumentInvalid([("format", str(_("This is not a program exported from stampcard.")))])
    if data.get("version") != FORMAT_VERSION:
        raise DocumentInvalid([("version", str(_("This file comes from a newer version of stampcard.")))])
    raw: dict[str, Any] = data["program"]
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(raw) - set(DOCUMENT_FIELDS))
    problems += [(name, str(_("Unknown field."))) for name in unknown]
    fields = {name: raw[name] for name in DOCUMENT_FIELDS if name in raw}
    for name in sorted(_INTEGER_FIELDS & set(fields)):
        value = fields[name]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            problems.append((name, str(_("A whole number, 0 or more."))))
    if fields.get("milestones"):
        try:
            fields["milestones"] = milestones_clean(fields["milestones"], lottery_ids=lottery_ids)
            fields["goal"] = fields["milestones"][-1]["at"]  # as a change of rules does (checkouts.programs)
        except ValidationFailed as error:
            problems += _problems_of(error)
    if problems:
        raise DocumentInvalid(problems)
    candidate = Program(**fields)
    try:
        program_rules_validate(candidate)
    except ValidationFailed as error:
        problems += _problems_of(error)
    try:
        candidate.full_clean(exclude=["merchant", "logo"], validate_unique=False, validate_constraints=False)
    except DjangoValidationError as error:
        problems += [(name, str(messages[0])) for name, messages in error.message_dict.items()]
    if problems:
        raise DocumentInvalid(sorted(set(problems)))
    return fields


def _problems_of(error: ValidationFailed) -> list[tuple[str, str]]:
    listed = error.details.get("fields") or [{"field": "program", "problem": str(error.message)}]
    return [(item["field"], item["problem"]) for item in listed]


@transaction.atomic
def program_create(*, actor: Actor, fields: dict[str, Any], lottery_ids: set[str]) -> Program:
    """A new program of the actor's merchant (a manager's act), from checked or template fields; its first version
    is made at once. The merchant's first program becomes its default."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    fields = program_document_clean(
        data={"format": FORMAT, "version": FORMAT_VERSION, "program": fields}, lottery_ids=lottery_ids
    )
    merchant = actor.merchant
    program = Program(merchant=merchant, **fields)
    program.stamping_mode = program.stamping_mode or StampingMode.CASHIER
    program.is_default = not Program.objects.filter(merchant=merchant, is_default=True).exists()
    program.save()
    program_version_current(program=program)
    return program
