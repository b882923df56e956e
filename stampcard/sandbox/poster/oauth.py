"""The Poster stand-in's OAuth: the authorize step gives a one-time code for an account, and the token endpoint
exchanges it for a token with the documented fields, or refuses with Poster's ``{code, error_type, error_message}``."""

import secrets
import threading
from collections.abc import Callable
from typing import Any

from stampcard.sandbox.poster.state import Grant, StandInState

CODE_TTL_SECONDS = 600


class OAuthProvider:
    """The OAuth half of ``PosterStandIn`` (mixed into it): grants codes for its accounts and issues their tokens."""

    state: StandInState
    lock: threading.RLock
    now: Callable[[], float]
    application_id: str
    application_secret: str
    redirect_uri: str

    def token_issue(self, account: str, token: str | None = None) -> str:
        raise NotImplementedError  # PosterStandIn's: tokens belong to the accounts it keeps

    def authorize(self, *, account: str, application_id: str, redirect_uri: str) -> str:
        """The user approved access: a one-time code for ``account``."""
        if application_id != self.application_id:
            raise ValueError("unknown application_id")
        if self.redirect_uri and redirect_uri != self.redirect_uri:
            raise ValueError("redirect_uri differs from the application's settings")
        code = secrets.token_hex(16)
        with self.lock:
            if account not in self.state.accounts:
                raise ValueError("unknown account")
            self.state.codes[code] = Grant(
                account=account, redirect_uri=redirect_uri, expires_at=self.now() + CODE_TTL_SECONDS
            )
        return code

    def access_token(self, account_in_host: str, form: dict[str, str]) -> dict[str, Any]:
        def refused(code: int, error_type: str, message: str) -> dict[str, Any]:
            return {"code": code, "error_type": error_type, "error_message": message}

        if form.get("application_id") != self.application_id:
            return refused(143, "invalid_application", "Invalid application_id")
        if not secrets.compare_digest(form.get("application_secret", ""), self.application_secret):
            return refused(143, "invalid_application", "Invalid application_secret")
        if form.get("grant_type") != "authorization_code":
            return refused(400, "invalid_grant_type", "grant_type must be authorization_code")
        with self.lock:
            grant = self.state.codes.pop(form.get("code", ""), None)  # single use, even when refused below
            if grant is None or grant.expires_at < self.now():
                return refused(400, "invalid_code", "Invalid or expired code")
            if grant.account != account_in_host or grant.redirect_uri != form.get("redirect_uri"):
                return refused(400, "invalid_code", "The code was issued for another account or redirect_uri")
            row = self.state.accounts[grant.account]
        token = self.token_issue(row.account)
        return {
            "access_token": token,
            "account_number": row.account_number,
            "user": {"id": 1, "name": row.owner_name, "email": row.owner_email, "role_id": 3},
            "ownerInfo": {
                "email": row.owner_email,
                "phone": "+380000000000",
                "city": "",
                "country": "UA",
                "name": row.owner_name,
                "company_name": row.company_name,
            },
        }
