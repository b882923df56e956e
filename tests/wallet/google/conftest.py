"""A Google Wallet stand-in on loopback for the whole session, and settings pointing stampcard at it."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from stampcard.core import clock
from stampcard.sandbox.google_wallet import GoogleWalletStandIn, StandInState, service_account_ensure
from stampcard.wallet.google import client as google_client

ISSUER_ID = "3388000000022222222"


@pytest.fixture(scope="session")
def service_account_file():
    # A throwaway key under var/ (git-ignored), made once and reused by later runs.
    return service_account_ensure(django_settings.VAR_DIR / "google_wallet" / "test_service_account.json")


@pytest.fixture(scope="session")
def google_standin(service_account_file):
    with GoogleWalletStandIn(service_account_file=service_account_file, issuer_id=ISSUER_ID, now=clock.now) as google:
        yield google


@pytest.fixture
def google(google_standin, service_account_file, settings):
    """The stand-in, emptied, with stampcard configured for it and tasks run at once."""
    google_standin.state = StandInState()
    for name, value in google_standin.settings().items():
        setattr(settings, name, value)
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(service_account_file)
    settings.BASE_URL = "https://loyalty.example.com"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    google_client._credentials.clear()  # tokens of an earlier test's stand-in state are gone
    cache.clear()
    yield google_standin
    google_client._credentials.clear()
