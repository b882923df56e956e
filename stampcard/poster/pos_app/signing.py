"""Verify that a request came through ``Poster.makeRequest`` of our application (DOCS ru/pos/requests/makeRequest.md).

Poster's backend proxies the register's request and adds::

    X-Poster-Signature = md5(<full URL with its query> + <JSON of the body, POST/PUT only> + X-Poster-Time + secret)
    X-Poster-Time      = Unix time of the signing
    X-Poster-Url       = the account (its subdomain), X-Poster-Spot-Id, X-Poster-Tablet-Id

What is confirmed and what is not (reference/poster.md §3):

- the GET form was verified on a real register by an independent project; the POST form was not: the docs'
  sample servers re-serialise the parsed body (``JSON.stringify(body)`` in Node, ``json_encode($body)`` in PHP),
  and those two differ (PHP escapes ``/`` and non-ASCII). We accept the body as received, byte for byte, and
  both re-serialisations; all three are the same string for a compact ASCII body without slashes, which is what
  the stampcard app sends.
- the URL Poster signs is the one the app passed, i.e. ours as the app knows it. Behind a proxy that URL may
  differ from what Django rebuilds from the request, so both ``BASE_URL`` + path and the request's own absolute
  URI are tried.
- ``X-Poster-Time`` is documented as a Unix timestamp; seconds are assumed, milliseconds are recognised too.
  It is not documented how old a signature may be: we accept ``POSTER_REQUEST_MAX_AGE_SECONDS`` (15 minutes)
  either way, which allows for clock skew; a replay within that window is harmless because what the signature
  guards (the check commit) is idempotent on the check.

Requests the register makes to its local network are not signed (docs); the app never calls us that way.
"""

import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from stampcard.core import clock
from stampcard.poster.pos_app import errors
from stampcard.poster.signatures import make_request_signature

security_logger = logging.getLogger("stampcard.security")

DEFAULT_MAX_AGE_SECONDS = 15 * 60
_MILLISECONDS_AFTER = 10**11  # a Unix time in seconds stays below this until the year 5138


@dataclass(frozen=True)
class PosterOrigin:
    """Who Poster says sent the request: the account, and the spot and register it was made from."""

    account: str
    spot_id: str
    tablet_id: str
    signed_at: datetime


def _body_forms(raw: bytes) -> list[str]:
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return []
    forms = [text]
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        return forms
    compact = json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)  # JSON.stringify's form
    php = json.dumps(parsed, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")  # json_encode's form
    return list(dict.fromkeys([*forms, compact, php]))


def _url_forms(request: HttpRequest) -> list[str]:
    return list(
        dict.fromkeys([f"{settings.BASE_URL.rstrip('/')}{request.get_full_path()}", request.build_absolute_uri()])
    )


def _signed_at(poster_time: str) -> datetime:
    try:
        value = int(poster_time.strip())
    except ValueError:
        raise errors.PosterSignatureInvalid(reason="bad_time") from None
    seconds = value / 1000 if value >= _MILLISECONDS_AFTER else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise errors.PosterSignatureInvalid(reason="bad_time") from None


def make_request_verify(request: HttpRequest) -> PosterOrigin:
    """The request's Poster origin if its ``X-Poster-Signature`` is right and fresh.

    Raises PosterSignatureMissing (no signature or time), PosterSignatureInvalid, or PosterSignatureExpired (all
    403). The comparison is constant-time; a refused signature leaves a warning on the ``stampcard.security`` log.
    """
    presented = request.headers.get("X-Poster-Signature", "").strip().lower()
    poster_time = request.headers.get("X-Poster-Time", "").strip()
    account = request.headers.get("X-Poster-Url", "").strip().lower()
    if not presented or not poster_time:
        raise errors.PosterSignatureMissing()
    secret = settings.POSTER_APPLICATION_SECRET
    bodies: list[str | None] = [None] if request.method in ("GET", "HEAD", "DELETE") else [*_body_forms(request.body)]
    matched = bool(secret) and any(
        hmac.compare_digest(
            make_request_signature(url=url, body=body, poster_time=poster_time, secret=secret), presented
        )
        for url in _url_forms(request)
        for body in bodies
    )
    if not matched:
        security_logger.warning(
            "poster makeRequest: bad signature for %s %s (account %r) from %s",
            request.method,
            request.path,
            account[:64],
            request.META.get("REMOTE_ADDR"),
        )
        raise errors.PosterSignatureInvalid()
    signed_at = _signed_at(poster_time)
    max_age = int(getattr(settings, "POSTER_REQUEST_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))
    if abs((clock.now() - signed_at).total_seconds()) > max_age:
        security_logger.warning(
            "poster makeRequest: signature from %s is outside %ss (account %r)", signed_at.isoformat(), max_age, account
        )
        raise errors.PosterSignatureExpired(signed_at=signed_at.isoformat())
    return PosterOrigin(
        account=account,
        spot_id=request.headers.get("X-Poster-Spot-Id", "").strip(),
        tablet_id=request.headers.get("X-Poster-Tablet-Id", "").strip(),
        signed_at=signed_at,
    )
