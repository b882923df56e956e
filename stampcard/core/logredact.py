"""Secrets out of request logs: the bearer tokens in our URLs are replaced by ``[redacted]`` before a line is written.

Many customer links carry their credential in the path (``/c/<token>`` a web card, ``/r/<token>`` a receipt claim,
``/i/<token>`` an insert, ``/v/<token>`` a voucher, ``/wallet/apple/pass/<token>.pkpass``), the Apple web service
has device ids and pass serials in its paths, and OAuth callbacks or lookups carry codes in their query strings. An
access log is read by more people and kept longer than the database, so none of that may reach it. Every URL found
in a line (a request line, a Referer, a bare path) keeps its shape, with the secret segments and the query values
(except a few harmless ones, such as ``page``) replaced.

Two doors use ``redact``: ``RedactingGunicornLogger`` for gunicorn's access log (``gunicorn.conf.py`` names it) and
the ``RedactSecrets`` logging filter for Django's own request lines (``django.server``, ``django.request``).
"""

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

MARK = "[redacted]"

# Query parameters whose values say nothing about anyone; every other value is redacted.
HARMLESS_QUERY_PARAMS = frozenset({"page", "page_size", "limit", "offset", "lang", "format", "passesUpdatedSince"})

_S = r"[^/?#\s\"'<>]+"  # one path segment
_M = MARK  # no backslash in it, so it is safe in a replacement template
# (pattern, replacement) per kind of path, tried in order; the first that matches the path's start rewrites it.
_PATH_RULES = [
    # Customer links: the token (what is below it, such as the claim's QR images, is kept).
    (re.compile(rf"^/(c|r|i|v)/{_S}"), rf"/\1/{_M}"),
    (re.compile(rf"^/wallet/apple/pass/{_S}?(\.pkpass)$"), rf"/wallet/apple/pass/{_M}\1"),
    (re.compile(rf"^/wallet/apple/pass/{_S}"), rf"/wallet/apple/pass/{_M}"),
    # The Apple web service: the device library id and the pass serial (the push token travels in the body).
    (
        re.compile(rf"^/wallet/apple/v1/devices/{_S}/registrations/({_S})/{_S}"),
        rf"/wallet/apple/v1/devices/{_M}/registrations/\1/{_M}",
    ),
    (re.compile(rf"^/wallet/apple/v1/devices/{_S}"), rf"/wallet/apple/v1/devices/{_M}"),
    (re.compile(rf"^/wallet/apple/v1/passes/({_S})/{_S}"), rf"/wallet/apple/v1/passes/\1/{_M}"),
    # API paths that take a card QR payload, a receipt token or a voucher code.
    (re.compile(rf"^/(api/v1|scanner/api)/(cards|receipts|vouchers)/(?!lookup\b){_S}"), rf"/\1/\2/{_M}"),
]
# A URL or path in a log line: at the start, or after a space, a quote, a bracket or "=".
_URL = re.compile(
    r"(?<![^\s\"'(\[=,])(?P<origin>[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s\"'?#]*)?(?P<path>/[^\s\"'?#]*)(?P<query>\?[^\s\"'#]*)?"
)


def _redact_path(path: str) -> str:
    for rule, replacement in _PATH_RULES:
        redacted, count = rule.subn(replacement, path, count=1)
        if count:
            return redacted
    return path


def _redact_query(query: str) -> str:
    parts = []
    for pair in query[1:].split("&"):
        name, equals, value = pair.partition("=")
        parts.append(pair if not equals or not value or name in HARMLESS_QUERY_PARAMS else f"{name}={MARK}")
    return "?" + "&".join(parts)


def redact(text: str) -> str:
    """``text`` with the secrets of every URL in it replaced by ``[redacted]``."""
    if "/" not in text:
        return text

    def one(found: re.Match[str]) -> str:
        query = found.group("query")
        return (
            (found.group("origin") or "") + _redact_path(found.group("path")) + (_redact_query(query) if query else "")
        )

    return _URL.sub(one, text)


class RedactSecrets(logging.Filter):
    """A logging filter that redacts the rendered message (and drops the arguments it was rendered from)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a broken record is logging's to report; this filter only hides secrets
        redacted = redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, ()
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger with every access-log atom (request line, path, query, Referer...) redacted, and its error
    log too ("Error handling request <uri>")."""

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        if not any(isinstance(known, RedactSecrets) for known in self.error_log.filters):
            self.error_log.addFilter(RedactSecrets())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}
