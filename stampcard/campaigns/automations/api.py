"""API v1 routes of automations, mounted on the POS API in ``config.api``: the same services as the panel. Manager or
owner keys; another merchant's program answers 404."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Router

from stampcard.api.common import ERRORS, manager_of
from stampcard.api.idempotency import idempotent_write
from stampcard.campaigns.automations import presenters, schemas, selectors, services

router = Router(tags=["automations"])
# Checked by the service (404 ``automation_not_found`` for another word), so that a request with a wrong kind and
# a wrong body is told about both the same way as any other 404.
KIND = Path(..., max_length=24, description="One of: " + ", ".join(schemas.KIND_NAMES) + ".")


@router.get(
    "/programs/{program_id}/automations",
    response={200: schemas.AutomationsOut, **ERRORS},
    summary="A program's automations, one per kind (kinds never set up are shown off, with their defaults)",
)
def list_automations(request: HttpRequest, program_id: str) -> dict[str, Any]:
    actor = manager_of(request)
    _program, automations = selectors.automations_of_program(merchant=actor.merchant, program_id=program_id)
    return {"results": [presenters.automation_payload(automation) for automation in automations]}


@router.get(
    "/programs/{program_id}/automations/{kind}",
    response={200: schemas.AutomationOut, **ERRORS},
    summary="One automation of a program",
)
def get_automation(request: HttpRequest, program_id: str, kind: str = KIND) -> dict[str, Any]:
    actor = manager_of(request)
    _program, automation = selectors.automation_get(merchant=actor.merchant, program_id=program_id, kind=kind)
    return presenters.automation_payload(automation)


@router.patch(
    "/programs/{program_id}/automations/{kind}",
    response={200: schemas.AutomationOut, **ERRORS},
    summary="Switch an automation on or off, set its days, texts, channels and voucher",
    description=(
        "Only the fields given change. Switching on needs a text in at least one language, checked against each "
        "channel's limits (422 `message_subject_too_long`… with the field, e.g. `parts.uk.subject`). Messages go "
        "out from `send_hour` until 21:00 of the merchant's time zone; what comes due later waits for the morning."
    ),
)
@idempotent_write(200, schemas.AutomationOut)
def change_automation(
    request: HttpRequest, body: schemas.AutomationChangeIn, program_id: str, kind: str = KIND
) -> dict[str, Any]:
    given = body.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(body, name)
        for name in ("is_enabled", "days", "reminder_days", "send_hour", "channels")
        if name in given and getattr(body, name) is not None
    }
    if "parts" in given and body.parts is not None:
        changes["parts"] = {lang: part.model_dump() for lang, part in body.parts.items()}
    if "voucher" in given:
        voucher = body.voucher
        changes["voucher_title"] = voucher.title if voucher else ""
        changes["voucher_description"] = voucher.description if voucher else ""
        changes["voucher_days"] = voucher.validity_days if voucher else None
    automation = services.automation_update(
        actor=manager_of(request),
        program_id=program_id,
        kind=kind,
        changes=services.AutomationChanges(**changes),
    )
    return presenters.automation_payload(automation)
