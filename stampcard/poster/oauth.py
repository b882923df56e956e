"""Connecting a merchant through Poster's OAuth (DOCS en/start/authApi.md; reference/poster.md §1).

1. The panel's *Connect Poster* button (a POST to ``/panel/integrations/poster/connect/``) sends the manager to
   ``{POSTER_OAUTH_AUTHORIZE_URL}?application_id=…&redirect_uri=…&response_type=code&state=…``.
2. Poster sends them back to ``redirect_uri?code={32 chars}&account={login}`` (``/integrations/poster/callback``,
   answered by the panel, which lands on its integrations page).
3. We POST the code to ``https://{account}.joinposter.com/api/v2/auth/access_token`` and get the account's token
   (valid two years; no refresh token is documented).

Poster's docs do not mention ``state``: we send it (standard OAuth 2), check it when it comes back, and in any case
require the pending connect this browser session started in the last ten minutes. Without that, a forged callback
could tie an attacker's Poster account to a manager who merely followed a link.
"""

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core import signing
from django.http import HttpRequest

from stampcard.merchants.actors import Actor
from stampcard.poster import client as poster_client
from stampcard.poster import errors, services
from stampcard.poster.models import PosterAccount

SESSION_KEY = "poster_oauth_pending"
STATE_SALT = "stampcard.poster.oauth.state"
STATE_MAX_AGE_SECONDS = 600


def authorize_url(*, request: HttpRequest, merchant_id: str) -> str:
    """Start a connect for this session and return Poster's authorize URL."""
    nonce = secrets.token_urlsafe(16)
    state = signing.dumps({"m": merchant_id, "n": nonce, "u": str(request.user.pk)}, salt=STATE_SALT)
    request.session[SESSION_KEY] = {"state": state}
    query = urlencode(
        {
            "application_id": settings.POSTER_APPLICATION_ID,
            "redirect_uri": settings.POSTER_OAUTH_REDIRECT_URI,
            "response_type": "code",
            "state": state,
        }
    )
    return f"{settings.POSTER_OAUTH_AUTHORIZE_URL}?{query}"


def pending_merchant_id(*, request: HttpRequest, returned_state: str | None) -> str:
    """The merchant this session asked to connect. Raises PosterConnectInvalid for a stale, foreign or tampered
    callback. The pending connect is used up either way."""
    pending = request.session.pop(SESSION_KEY, None)
    if not isinstance(pending, dict) or not isinstance(pending.get("state"), str):
        raise errors.PosterConnectInvalid()
    state = pending["state"]
    if returned_state is not None and not secrets.compare_digest(returned_state, state):
        raise errors.PosterConnectInvalid()
    try:
        payload: dict[str, Any] = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE_SECONDS)
    except signing.BadSignature as exc:
        raise errors.PosterConnectInvalid() from exc
    if payload.get("u") != str(request.user.pk):
        raise errors.PosterConnectInvalid()
    return str(payload["m"])


@dataclass
class Connected:
    poster_account: PosterAccount
    spots_fetched: bool


def callback_complete(*, actor: Actor, account: str, code: str, http: httpx.Client) -> Connected:
    """Exchange the code, read the account's name and spots with the new token, then store it all.

    The calls to Poster happen before any database transaction. Raises PosterApiError when Poster refuses (a
    code is single-use and short-lived) and the errors of ``services.account_connect``.
    """
    account = (account or "").strip().lower()
    if not poster_client.account_valid(account) or not code:
        raise errors.PosterAccountInvalid(account=account)
    grant = poster_client.access_token_exchange(http=http, account=account, code=code)
    api = poster_client.PosterClient(http=http, token=grant.access_token)
    account_settings: poster_client.AccountSettings | None
    try:
        account_settings = api.settings_get()
        spots = api.spots_get()
        fetched = True
    except poster_client.PosterApiError:
        # The token is what matters; names and spots are fetched again on the next connect.
        account_settings, spots, fetched = None, [], False
    row = services.account_connect(
        actor=actor, account=account, grant=grant, account_settings=account_settings, spots=spots
    )
    return Connected(poster_account=row, spots_fetched=fetched)
