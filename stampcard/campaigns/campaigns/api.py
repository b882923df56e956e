"""API v1 routes of campaigns, mounted in ``config.api``. Manager or owner keys (403 below); another merchant's ids
answer 404. The same services as the panel."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from stampcard.api.common import ERRORS, manager_of
from stampcard.api.idempotency import idempotent_write
from stampcard.campaigns.audiences import query, rules
from stampcard.campaigns.campaigns import presenters, schemas, selectors, services

router = Router(tags=["campaigns"])


def _input(body: schemas.CampaignIn) -> services.CampaignInput:
    return services.CampaignInput(
        name=body.name,
        audience=body.audience,
        channels=list(body.channels),
        parts={lang: part.dict() for lang, part in body.parts.items()},
        voucher_title=body.voucher_title,
        voucher_description=body.voucher_description,
        voucher_days=body.voucher_days,
        holdout_percent=body.holdout_percent,
        results_days=body.results_days,
    )


@router.get("/campaigns", response={200: schemas.CampaignsOut, **ERRORS}, summary="Campaigns, newest first")
def list_campaigns(request: HttpRequest) -> dict[str, Any]:
    actor = manager_of(request)
    return {"results": [presenters.campaign_payload(c) for c in selectors.campaigns_list(merchant=actor.merchant)]}


@router.post("/campaigns", response={201: schemas.CampaignOut, **ERRORS}, summary="Write a campaign (a draft)")
@idempotent_write(201, schemas.CampaignOut)
def create_campaign(request: HttpRequest, body: schemas.CampaignIn) -> dict[str, Any]:
    campaign = services.campaign_create(actor=manager_of(request), data=_input(body))
    return presenters.campaign_payload(campaign)


@router.post(
    "/campaigns/audience-preview",
    response={200: schemas.AudienceOut, **ERRORS},
    summary="How many cards an audience rule selects now",
)
def audience_preview(request: HttpRequest, body: schemas.AudienceIn) -> dict[str, int]:
    actor = manager_of(request)
    rule = rules.rule_clean(body.audience, languages=services.languages())
    return {"size": query.audience_count(merchant=actor.merchant, rule=rule)}


@router.get(
    "/campaigns/{campaign_id}", response={200: schemas.CampaignOut, **ERRORS}, summary="A campaign with its results"
)
def get_campaign(request: HttpRequest, campaign_id: str) -> dict[str, Any]:
    actor = manager_of(request)
    campaign = selectors.campaign_get(merchant=actor.merchant, campaign_id=campaign_id)
    return presenters.campaign_payload(campaign, with_results=True)


@router.post(
    "/campaigns/{campaign_id}/send",
    response={200: schemas.CampaignOut, **ERRORS},
    summary="Send a draft now, or schedule it ('at')",
)
@idempotent_write(200, schemas.CampaignOut)
def send_campaign(request: HttpRequest, campaign_id: str, body: schemas.SendIn) -> dict[str, Any]:
    campaign = services.campaign_send(actor=manager_of(request), campaign_id=campaign_id, at=body.at)
    return presenters.campaign_payload(campaign)


@router.post("/campaigns/{campaign_id}/cancel", response={200: schemas.CampaignOut, **ERRORS}, summary="Stop it")
@idempotent_write(200, schemas.CampaignOut)
def cancel_campaign(request: HttpRequest, campaign_id: str) -> dict[str, Any]:
    campaign = services.campaign_cancel(actor=manager_of(request), campaign_id=campaign_id)
    return presenters.campaign_payload(campaign)


@router.post(
    "/campaigns/{campaign_id}/test-send",
    response={200: schemas.TestSendOut, **ERRORS},
    summary="Email the campaign to the key's own staff login (not counted)",
)
def test_send_campaign(request: HttpRequest, campaign_id: str, body: schemas.TestSendIn) -> dict[str, str]:
    address = services.campaign_test_send(actor=manager_of(request), campaign_id=campaign_id, language=body.language)
    return {"sent_to": address}
