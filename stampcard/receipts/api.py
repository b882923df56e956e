"""API v1 routes of stampcard.receipts, mounted on the POS API in ``stampcard.pos.api``."""

from ninja import Router

router = Router(tags=["receipts"])
