"""Poster's md5 signatures, computed exactly as Poster computes them.

Webhooks (DOCS en/web/webhooks.md, the official PHP sample; reference/poster.md §2)::

    verify = md5(implode(';', [account, object, object_id, action, (data,) time, application_secret]))

``data`` takes part only when the body has it, and then as the raw string Poster sent (real payloads carry it as
a JSON-encoded string; it is hashed as received, never re-serialised). The prose of Poster's docs leaves ``time``
out; the official code puts it in, and independent implementations (VPavelko/joinposter-api ``src/webhook.ts``)
agree with the code, so the code is what we follow.

Values enter the string the way PHP's ``implode`` renders them, since that is what the sample (and, we assume,
Poster's server) does: ints as digits (``"object_id": 1`` -> ``1``), ``true`` -> ``1``, ``false``/``null`` -> empty.

Unconfirmed: how Poster signs a ``data`` that arrives as a JSON object rather than a string (never seen in
practice). We then hash PHP's ``json_encode`` rendering of it (compact, ``\\/`` and ``\\uXXXX`` escapes); see
``php_string``.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any


def php_string(value: Any) -> str:
    """How PHP's implode() turns a decoded JSON value into a string."""
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    # An object/array: PHP would need it encoded first; json_encode's default form (unconfirmed, see module doc).
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


def webhook_fields(body: Mapping[str, Any]) -> list[str]:
    """The signed values of a webhook body, in Poster's order, without the secret."""
    fields = [php_string(body.get(name)) for name in ("account", "object", "object_id", "action")]
    if "data" in body and body["data"] is not None:  # PHP's isset(): a null data is "not present"
        fields.append(php_string(body["data"]))
    fields.append(php_string(body.get("time")))
    return fields


def webhook_signature(body: Mapping[str, Any], *, secret: str) -> str:
    return hashlib.md5(";".join([*webhook_fields(body), secret]).encode()).hexdigest()  # noqa: S324 - Poster's scheme


def webhook_signature_valid(body: Mapping[str, Any], *, secret: str) -> bool:
    """Constant-time check of the body's ``verify`` against what Poster would have sent."""
    presented = body.get("verify")
    if not isinstance(presented, str) or not secret:
        return False
    return hmac.compare_digest(webhook_signature(body, secret=secret), presented.strip().lower())


def manage_verify(*, application_id: str, application_secret: str, code: str) -> str:
    """The ``verify`` of the manage-platform code exchange: md5(application_id:application_secret:code)
    (DOCS en/manage/index.md)."""
    return hashlib.md5(f"{application_id}:{application_secret}:{code}".encode()).hexdigest()  # noqa: S324


def make_request_signature(*, url: str, body: str | None, poster_time: str, secret: str) -> str:
    """``X-Poster-Signature`` of a POS app's ``Poster.makeRequest``: md5(full URL with query + JSON body (omitted for
    GET) + X-Poster-Time + application secret) (DOCS en/pos/requests/makeRequest.md). CUP verified the GET form on
    a real register; the exact JSON serialisation Poster uses for a POST body is unverified, so the POS app's
    endpoints must not rely on this alone yet."""
    return hashlib.md5(f"{url}{body or ''}{poster_time}{secret}".encode()).hexdigest()  # noqa: S324
