"""API v1 routes for lottery: mounted on the POS API in ``config.api``."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from stampcard.api.common import ERRORS, actor_of
from stampcard.api.idempotency import idempotent_write
from stampcard.lottery import presenters, proofs, schemas, selectors, services

router = Router(tags=["lottery"])


@router.post("/lotteries", response={201: schemas.LotteryOut, **ERRORS}, summary="Create a lottery (manager)")
@idempotent_write(201, schemas.LotteryOut)
def create_lottery(request: HttpRequest, body: schemas.LotteryIn) -> dict[str, Any]:
    lottery = services.lottery_create(
        actor=actor_of(request),
        name=body.name,
        draw_at=body.draw_at,
        variants=[v.model_dump() for v in body.variants],
    )
    return presenters.lottery_payload(lottery)


@router.get("/lotteries", response={200: schemas.LotteryListOut, **ERRORS}, summary="The merchant's lotteries")
def list_lotteries(request: HttpRequest) -> dict[str, Any]:
    lotteries = selectors.lottery_list(merchant=actor_of(request).merchant)
    return {"results": presenters.lotteries_payload(list(lotteries))}


@router.get(
    "/lotteries/{lottery_id}", response={200: schemas.LotteryOut, **ERRORS}, summary="A lottery and its odds now"
)
def get_lottery(request: HttpRequest, lottery_id: str) -> dict[str, Any]:
    return presenters.lottery_payload(selectors.lottery_get(merchant=actor_of(request).merchant, lottery_id=lottery_id))


@router.patch(
    "/lotteries/{lottery_id}", response={200: schemas.LotteryOut, **ERRORS}, summary="Change a lottery (manager)"
)
@idempotent_write(200, schemas.LotteryOut)
def update_lottery(request: HttpRequest, lottery_id: str, body: schemas.LotteryPatchIn) -> dict[str, Any]:
    lottery = services.lottery_update(
        actor=actor_of(request),
        lottery_id=lottery_id,
        name=body.name,
        is_active=body.is_active,
        draw_at=body.draw_at,
        variants=None if body.variants is None else [v.model_dump() for v in body.variants],
    )
    return presenters.lottery_payload(lottery)


@router.get(
    "/lotteries/{lottery_id}/commitments",
    response={200: schemas.CommitmentsOut, **ERRORS},
    summary="Seed commitments (sha256) of a lottery, and the seeds of finished periods",
)
def lottery_commitments(request: HttpRequest, lottery_id: str) -> dict[str, Any]:
    lottery = selectors.lottery_get(merchant=actor_of(request).merchant, lottery_id=lottery_id)
    return {"lottery_id": str(lottery.pk), "commitments": proofs.lottery_commitments(lottery=lottery)}


@router.get(
    "/lottery/draws/{draw_id}/proof",
    response={200: schemas.ProofOut, **ERRORS},
    summary="The fairness proof of a draw",
    url_name="lottery_draw_proof",
)
def lottery_draw_proof(request: HttpRequest, draw_id: str) -> dict[str, Any]:
    draw = selectors.lottery_draw_get(merchant=actor_of(request).merchant, draw_id=draw_id)
    return proofs.draw_proof(draw=draw)
