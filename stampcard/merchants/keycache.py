"""A short-lived, per-process memory of authenticated API keys, so a till's requests do not each load the key with
its merchant, subscription, membership, staff login and location (five joins, the costliest read of a commit).

Safe because it is short: an entry lives ``API_KEY_CACHE_SECONDS`` (1 s), so a key revoked, a login or location
deactivated or a plan changed in another process is refused or applied within that time; in this process the
services that change those things forget every entry at once (``api_keys_forget``). Entries are keyed by the
SHA-256 of the whole presented key, so only a key that verified is ever answered from memory, and each request gets
its own copies of the model instances (nothing one request changes leaks into another).
"""

import contextlib
import hashlib
import threading
import time
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Model
from django.db.models.base import ModelState

from stampcard.merchants.models import ApiKey

_entries: dict[bytes, tuple[float, ApiKey]] = {}
_lock = threading.Lock()
MAX_ENTRIES = 4096

M = TypeVar("M", bound=Model)


def _ttl() -> float:
    return float(settings.STAMPCARD.get("API_KEY_CACHE_SECONDS", 1.0))


def _digest(raw_key: str) -> bytes:
    return hashlib.sha256(raw_key.encode()).digest()


def api_key_recall(*, raw_key: str) -> ApiKey | None:
    """A fresh copy of the key verified for ``raw_key`` less than the TTL ago, or None."""
    entry = _entries.get(_digest(raw_key))
    if entry is None or entry[0] <= time.monotonic():
        return None
    return _copied(entry[1])


def api_key_remember(*, raw_key: str, key: ApiKey) -> None:
    """Remember a key that verified and may act (not revoked, staff active), with its related rows loaded."""
    ttl = _ttl()
    if ttl <= 0:
        return
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[_digest(raw_key)] = (time.monotonic() + ttl, _copied(key))


def api_keys_forget() -> None:
    """Forget every key now and again when the caller's transaction commits (what changed is visible from then)."""
    api_keys_clear()
    transaction.on_commit(api_keys_clear)


def api_keys_clear() -> None:
    """Forget every key now (outside any transaction: e.g. between tests)."""
    _entries.clear()


def _copied(key: ApiKey) -> ApiKey:
    """The key and each related row as new instances, each with its own field values and state (``_clone``)."""
    merchant = _clone(key.merchant)
    # A merchant without a plan row reads (and misses) it as it would without the memory.
    with contextlib.suppress(ObjectDoesNotExist):
        merchant.subscription = _clone(key.merchant.subscription)
    membership = _clone(key.membership)
    membership.user = _clone(key.membership.user)
    copied = _clone(key)
    copied.merchant, copied.membership = merchant, membership
    copied.location = _clone(key.location) if key.location is not None else None
    return copied


def _clone(instance: M) -> M:
    """A shallow copy of a model instance with its own ``__dict__`` and state and no cached relations (the caller
    sets the ones it copies): what ``copy.copy`` gives a model, at a fraction of its cost on every API request."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = instance.__dict__.copy()
    state = clone._state = ModelState()
    state.db, state.adding = instance._state.db, instance._state.adding
    return clone
