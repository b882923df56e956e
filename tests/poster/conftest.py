"""A Poster stand-in on loopback for the whole session, settings pointing stampcard at it, a connected account."""

import json

import pytest
from django.test import Client

from stampcard.poster import crypto
from stampcard.poster.models import AccountStatus, PosterAccount, PosterSpot
from stampcard.sandbox.poster import PosterStandIn

APPLICATION_ID = "4242"
APPLICATION_SECRET = "0123456789abcdef0123456789abcdef"
ACCOUNT = "kava-test"
REDIRECT_URI = "https://loyalty.example.com/integrations/poster/callback"


@pytest.fixture(scope="session")
def poster_standin():
    with PosterStandIn(
        application_id=APPLICATION_ID, application_secret=APPLICATION_SECRET, redirect_uri=REDIRECT_URI
    ) as poster:
        yield poster


@pytest.fixture
def poster(poster_standin, settings):
    """The stand-in, emptied, with one account (two spots, a menu) and stampcard configured for it; tasks run at
    once, and no retry sleeps."""
    poster_standin.reset()
    poster_standin.webhook_url = ""
    poster_standin.echo_state = False
    poster_standin.close_actions = ("changed",)
    poster_standin.account_add(
        ACCOUNT,
        company_name="Kava Test",
        spots=[("1", "Khreshchatyk"), ("2", "Podil")],
        products=[("1", "Cappuccino", 5500), ("2", "Croissant", 4500), ("3", "Cake", 12050)],
        account_number="555111",
    )
    for name, value in poster_standin.settings().items():
        setattr(settings, name, value)
    settings.POSTER_OAUTH_REDIRECT_URI = REDIRECT_URI
    settings.POSTER_RETRY_BACKOFF_SECONDS = 0
    settings.BASE_URL = "https://loyalty.example.com"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield poster_standin
    poster_standin.webhook_url = ""


@pytest.fixture
def connected(poster, merchant, location):
    """The merchant connected to the stand-in's account; spot 1 counts at ``location``, spot 2 at none."""
    token = poster.token_issue(ACCOUNT)
    account = PosterAccount.objects.create(
        merchant=merchant,
        account=ACCOUNT,
        account_number="555111",
        company_name="Kava Test",
        currency=merchant.currency,
        access_token_encrypted=crypto.token_encrypt(token),
        status=AccountStatus.CONNECTED,
    )
    PosterSpot.objects.create(merchant=merchant, poster_account=account, spot_id="1", name="Khreshchatyk",
                              location=location)  # fmt: skip
    PosterSpot.objects.create(merchant=merchant, poster_account=account, spot_id="2", name="Podil")
    account.token = token  # type: ignore[attr-defined]
    return account


def post_webhook(body: dict, client: Client | None = None, **extra):
    """POST a webhook body the way Poster does: raw JSON."""
    return (client or Client()).post(
        "/integrations/poster/webhook", data=json.dumps(body), content_type="application/json", **extra
    )
