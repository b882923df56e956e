"""Account tokens at rest: Fernet, never the clear token in the database, key rotation."""

import pytest
from cryptography.fernet import Fernet

from stampcard.poster import crypto
from stampcard.poster.models import PosterAccount

TOKEN = "861052:02391570ff9af128e93c5a771055ba88"


def test_a_token_round_trips_and_is_not_stored_in_clear():
    encrypted = crypto.token_encrypt(TOKEN)
    assert TOKEN not in encrypted and "02391570" not in encrypted
    assert crypto.token_decrypt(encrypted) == TOKEN
    assert crypto.token_encrypt(TOKEN) != encrypted  # a fresh IV each time


def test_the_default_key_is_derived_from_the_secret_key(settings):
    settings.POSTER_TOKEN_KEY = ""
    encrypted = crypto.token_encrypt(TOKEN)
    settings.SECRET_KEY = "another secret key entirely"
    with pytest.raises(crypto.TokenUnreadable):
        crypto.token_decrypt(encrypted)


def test_a_rotated_key_keeps_old_tokens_readable(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.POSTER_TOKEN_KEY, settings.POSTER_TOKEN_OLD_KEYS = old, ""
    encrypted = crypto.token_encrypt(TOKEN)
    settings.POSTER_TOKEN_KEY, settings.POSTER_TOKEN_OLD_KEYS = new, old
    assert crypto.token_decrypt(encrypted) == TOKEN
    settings.POSTER_TOKEN_OLD_KEYS = ""
    with pytest.raises(crypto.TokenUnreadable):
        crypto.token_decrypt(encrypted)


def test_the_hint_shows_only_the_last_four_characters():
    assert crypto.token_hint(TOKEN) == "ba88"
    assert crypto.token_hint("short") == ""


@pytest.mark.django_db
def test_the_database_row_holds_only_the_encrypted_token(merchant):
    PosterAccount.objects.create(
        merchant=merchant, account="kava", access_token_encrypted=crypto.token_encrypt(TOKEN), status="connected"
    )
    row = PosterAccount.objects.values().get(account="kava")
    assert not any(TOKEN in str(value) for value in row.values())
