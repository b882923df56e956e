"""``Idempotency-Key`` for every write of the POS API.

A retry with the same key and the same request gets the first response back, byte for byte, with
``Idempotent-Replayed: true``; the same key with a different request is refused with 409. The view and the record
of its response commit in one transaction, so a crash never leaves a write without its record or the reverse, and
two concurrent requests with one key cannot both write: the second waits on the unique index, fails, and replays
the winner. Responses that say "try again later" (429, 5xx) are not recorded, so the retry really runs again.

The record keeps the key's SHA-256 and the answer sealed under the key (``sealing``): answers carry bearer tokens.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, router, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from stampcard.api import jsonbody, rendering, sealing
from stampcard.api.models import IdempotencyRecord
from stampcard.core import clock, rawsql
from stampcard.core.errors import ApplicationError, BadRequest, Conflict
from stampcard.core.transactions import all_or_nothing
from stampcard.merchants.actors import Actor

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def render_json(payload: Any, status: int, **headers: str) -> HttpResponse:
    body = json.dumps(payload, cls=NinjaJSONEncoder, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type="application/json", headers=headers)


def render_error(error: ApplicationError) -> HttpResponse:
    return render_json(error.as_dict(), error.status)


def _multipart_canonical(request: HttpRequest) -> bytes:
    """A parsed multipart body (file uploads), canonically: its fields, and each file's name and SHA-256."""
    digest = hashlib.sha256()
    for name in sorted(request.POST):
        for value in request.POST.getlist(name):
            digest.update(f"{name}={value}".encode() + b"\0")
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            upload.seek(0)
            digest.update(f"{name}:{upload.name}:".encode() + hashlib.sha256(upload.read()).digest() + b"\0")
            upload.seek(0)
    return digest.hexdigest().encode()


def request_fingerprint(request: HttpRequest) -> str:
    try:
        body = request.body
    except RawPostDataException:  # a multipart body Django parsed as a stream; its parts stand for it
        canonical = _multipart_canonical(request)
    else:
        try:
            data = jsonbody.parsed(request) if body else None
            canonical = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            canonical = body
    digest = hashlib.sha256()
    for part in (request.method.encode() if request.method else b"", request.path.encode(), canonical):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, key: str, fingerprint: str) -> HttpResponse:
    if record.fingerprint != fingerprint:
        return render_error(
            Conflict(_("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused")
        )
    body = sealing.unseal(record.body, api_key_id=record.api_key_id, key=key, status=record.status_code)
    if body is None:
        # Sealed under a SECRET_KEY that is neither current nor a fallback any more: the answer is lost, and running
        # the write again could double it, so the caller decides (a new key runs it afresh).
        return render_error(
            Conflict(
                _("This key's first answer can no longer be read; check the outcome or use a new key."),
                code="idempotency_answer_unavailable",
            )
        )
    return HttpResponse(
        body, status=record.status_code, content_type="application/json", headers={"Idempotent-Replayed": "true"}
    )


def _is_recordable(status: int) -> bool:
    return status < 500 and status != 429


def _recorded(actor: Actor, key: str) -> IdempotencyRecord | None:
    """The key's live record; one older than the TTL is deleted (the key may then be used afresh)."""
    record = IdempotencyRecord.objects.filter(api_key=actor.api_key, key_digest=sealing.key_digest(key)).first()
    ttl = timedelta(hours=settings.STAMPCARD["IDEMPOTENCY_TTL_HOURS"])
    if record is not None and record.created_at < clock.now() - ttl:
        record.delete()
        return None
    return record


def idempotent_write(status: int, schema: type[Schema]) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """Wrap a POS write view that returns a payload for ``schema``; the response is sent with ``status``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        def render(payload: Any) -> HttpResponse:
            # pydantic-core validates (without ninja's per-field getter: ``rendering``) and serializes the answer to
            # JSON bytes itself: no dict of JSON-ready values built first and walked again by json.dumps.
            body = rendering.to_json_bytes(schema, payload)
            return HttpResponse(body, status=status, content_type="application/json")

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor: Actor = request.auth  # type: ignore[attr-defined]
            key = request.headers.get(HEADER)
            if key is None:
                return render(view(request, *args, **kwargs))
            key = key.strip()
            if not key or len(key) > MAX_KEY_LENGTH:
                return render_error(
                    BadRequest(
                        _("The Idempotency-Key header must be 1 to 255 characters."), code="invalid_idempotency_key"
                    )
                )
            fingerprint = request_fingerprint(request)
            # The write runs first and its record is inserted last, in one transaction: a new key (the usual case)
            # costs no lookup. A used key fails that insert, which rolls the write back, and the recorded answer is
            # replayed; a record past its TTL is deleted and the request runs once more as new.
            for _attempt in range(2):
                try:
                    return _run_and_record(lambda: render(view(request, *args, **kwargs)), actor, key, fingerprint)
                except _KeyTaken:
                    if (record := _recorded(actor, key)) is not None:
                        return _replay(record, key, fingerprint)
            raise RuntimeError(f"Idempotency-Key {key!r} was taken and freed twice in a row")

        return wrapper

    return decorate


class _KeyTaken(Exception):
    pass


def _run_and_record(run: Callable[[], HttpResponse], actor: Actor, key: str, fingerprint: str) -> HttpResponse:
    try:
        # Any error rolls back the write and its record alike, so the services inside need no savepoints.
        with all_or_nothing():
            response = run()
            _store(actor, key, fingerprint, response)
            return response
    except ApplicationError as error:
        # The block above rolled back whatever the view wrote. A refusal that is final becomes the key's answer; one
        # that says "try later" is not recorded, but must not hide an answer the key already has.
        response = render_error(error)
        with transaction.atomic():
            if _is_recordable(error.status):
                _store(actor, key, fingerprint, response)
            elif IdempotencyRecord.objects.filter(api_key=actor.api_key, key_digest=sealing.key_digest(key)).exists():
                raise _KeyTaken() from None
        return response


def _store(actor: Actor, key: str, fingerprint: str, response: HttpResponse) -> None:
    """Record the response in the caller's transaction; raises _KeyTaken (rolling it back) if the key is taken."""
    if actor.api_key is None:
        raise RuntimeError("an idempotent write needs the API key that scopes its Idempotency-Key")
    record = IdempotencyRecord(
        api_key=actor.api_key,
        key_digest=sealing.key_digest(key),
        fingerprint=fingerprint,
        status_code=response.status_code,
        body=sealing.seal(response.content, api_key_id=actor.api_key.pk, key=key, status=response.status_code),
    )
    try:
        # Every write of the API records its answer: the INSERT is written once per process (``core.rawsql``).
        rawsql.insert_row(record, router.db_for_write(IdempotencyRecord))
    except IntegrityError:
        raise _KeyTaken() from None
