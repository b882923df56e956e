"""Tokens at rest: a digest to find them by and a sealed copy that opens only with the server's key."""

import pytest

from stampcard.core import secretbox

TOKEN = "p6d0wQ9o7eV0cH3bqYfK2mB1xZ8sN4tA"


def test_a_sealed_token_opens_beside_its_digest_and_holds_no_clear_text():
    sealed = secretbox.seal(TOKEN, purpose="test")

    assert TOKEN not in sealed
    assert secretbox.unseal(sealed, purpose="test", stored_digest=secretbox.digest(TOKEN)) == TOKEN


def test_a_sealed_token_does_not_open_for_another_purpose_or_beside_another_digest():
    sealed = secretbox.seal(TOKEN, purpose="test")

    assert secretbox.unseal(sealed, purpose="other", stored_digest=secretbox.digest(TOKEN)) is None
    assert secretbox.unseal(sealed, purpose="test", stored_digest=secretbox.digest("another token")) is None
    assert secretbox.unseal("not sealed at all", purpose="test", stored_digest=secretbox.digest(TOKEN)) is None


def test_after_a_key_rotation_a_token_opens_with_the_fallback_key_and_not_without_it(settings):
    sealed = secretbox.seal(TOKEN, purpose="test")
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "rotated-" + "r" * 50, [old_key]

    assert secretbox.unseal(sealed, purpose="test", stored_digest=secretbox.digest(TOKEN)) == TOKEN
    settings.SECRET_KEY_FALLBACKS = []
    assert secretbox.unseal(sealed, purpose="test", stored_digest=secretbox.digest(TOKEN)) is None


def test_digests_match_only_for_the_same_token():
    stored = secretbox.digest(TOKEN)

    assert secretbox.digests_match(TOKEN, stored)
    assert not secretbox.digests_match(TOKEN[:-1], stored) and not secretbox.digests_match(TOKEN, "")


def test_a_sealed_token_property_reads_what_was_set_and_refuses_when_no_key_opens_it(settings):
    class Row:
        secret_digest = ""
        secret_sealed = ""
        secret = secretbox.sealed_token(purpose="test", prefix="secret", doc="")

    row = Row()
    row.secret = TOKEN

    assert row.secret == TOKEN and row.secret_digest == secretbox.digest(TOKEN) and TOKEN not in row.secret_sealed
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "rotated-" + "r" * 50, []
    with pytest.raises(secretbox.TokenUnavailable):
        _ = row.secret


def test_the_key_of_a_purpose_is_derived_once_and_anew_for_a_new_secret_key(settings, monkeypatch):
    """An Apple pass unseals its token on every build: the key derivation is done once per (purpose, SECRET_KEY)."""
    sealed = secretbox.seal(TOKEN, purpose="derived-once")
    derived: list[str] = []
    real = secretbox.salted_hmac
    monkeypatch.setattr(secretbox, "salted_hmac", lambda salt, *a, **kw: derived.append(salt) or real(salt, *a, **kw))
    secretbox._cipher.cache_clear()

    for _ in range(3):
        assert secretbox.unseal(sealed, purpose="derived-once", stored_digest=secretbox.digest(TOKEN)) == TOKEN
    assert len(derived) == 1
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "rotated-" + "d" * 50, []
    assert secretbox.unseal(sealed, purpose="derived-once", stored_digest=secretbox.digest(TOKEN)) is None
    assert len(derived) == 2  # the new key is derived, not served from the old one's cache
