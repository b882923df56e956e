"""The root of the POS API v1: one NinjaAPI at ``/api/v1/`` that mounts every app's router.

It sits beside ``config/urls.py`` because it is the one place that knows every channel: the apps below it each
contribute a router and import only the API kit (``stampcard.api``), never this module.
"""

from ninja import NinjaAPI

from stampcard.analytics.api import router as analytics_router
from stampcard.api.auth import ApiKeyAuth
from stampcard.api.handlers import install_error_handlers
from stampcard.api.jsonbody import RememberedJsonParser
from stampcard.campaigns.automations.api import router as automations_router
from stampcard.campaigns.campaigns.api import router as campaigns_router
from stampcard.campaigns.messages.api import router as messages_router
from stampcard.campaigns.webhooks.api import router as webhooks_router
from stampcard.cards.api import router as journal_router
from stampcard.cards.imports_api import router as imports_router
from stampcard.checkouts.referral_rewards_api import router as referral_rewards_router
from stampcard.core.errors import NotAuthenticated
from stampcard.customers.privacy_api import router as customer_privacy_router
from stampcard.inserts.api import router as inserts_router
from stampcard.lottery.api import router as lottery_router
from stampcard.pos.api import router as loyalty_router
from stampcard.poster.api import router as poster_router
from stampcard.receipts.api import router as receipts_router
from stampcard.referrals.api import router as referrals_router
from stampcard.scanner.api import alerts_router
from stampcard.scanner.api import merchant_router as scanner_router
from stampcard.vouchers.api import router as vouchers_router

api = NinjaAPI(
    title="stampcard POS API",
    version="1",
    description="Identify customers, preview and commit checkouts, reverse them. Authenticate with "
    "`Authorization: Bearer <api key>`. Every write accepts an `Idempotency-Key` header. "
    'Errors are `{"code", "message", "details"}`; besides each operation\'s own codes: 400 `invalid_characters` (a '
    "NUL or another control character in the path, query, a header or the body; `details.where` and `details.field` "
    "say where), 413 `payload_too_large`, 422 `validation_error` (`details.fields`).",
    urls_namespace="api-v1",
    auth=ApiKeyAuth(),
    parser=RememberedJsonParser(),  # the body the input guard parsed, not a second parse
    docs_url="/docs",
    openapi_url="/openapi.json",
)

install_error_handlers(api, not_authenticated=NotAuthenticated)

api.add_router("", loyalty_router)
api.add_router("", vouchers_router)
api.add_router("", lottery_router)
api.add_router("", receipts_router)
api.add_router("", inserts_router)
api.add_router("", customer_privacy_router)
api.add_router("", poster_router)
api.add_router("", journal_router)
api.add_router("", imports_router)
api.add_router("", webhooks_router)
api.add_router("", messages_router)
api.add_router("", campaigns_router)
api.add_router("", automations_router)
api.add_router("", analytics_router)
api.add_router("", referrals_router)
api.add_router("", referral_rewards_router)
api.add_router("/scanner", scanner_router)
api.add_router("/alerts", alerts_router)
