"""A Poster stand-in on loopback (Web API, OAuth, signed webhooks) for the tests and the local demo."""

from stampcard.sandbox.poster.simulator import simulator_url
from stampcard.sandbox.poster.standin import PosterStandIn, dev_token
from stampcard.sandbox.poster.webhooks import sign_webhook

__all__ = [
    "DEMO_ACCOUNT",
    "PosterStandIn",
    "demo_token",
    "dev_token",
    "sign_webhook",
    "simulator_url",
    "start_dev_stand_in",
]

DEMO_ACCOUNT = "demo-coffee"
DEMO_ACCOUNT_NUMBER = "424242"
DEMO_SPOTS = [("1", "Khreshchatyk"), ("2", "Podil")]
DEMO_PRODUCTS = [
    ("1", "Cappuccino", 5500),
    ("2", "Flat white", 6500),
    ("3", "Croissant", 4500),
    ("4", "Cheesecake", 9000),
]


def demo_token() -> str:
    """The demo account's token: the same in the demo seed and in a freshly started stand-in."""
    from django.conf import settings

    return dev_token(
        account_number=DEMO_ACCOUNT_NUMBER, account=DEMO_ACCOUNT, secret=settings.POSTER_APPLICATION_SECRET
    )


def start_dev_stand_in(
    *, base_url: str | None = None, company_name: str = "Demo Coffee", port: int | None = None
) -> PosterStandIn:
    """For the demo: the stand-in on ``port`` (default ``settings.POSTER_STANDIN_PORT``, where the dev settings
    point; 0 = a free port) with the demo account, its spots, menu and token, sending webhooks to the stampcard at
    ``base_url`` (default ``BASE_URL``)."""
    from django.conf import settings

    base = (base_url or settings.BASE_URL).rstrip("/")
    stand_in = PosterStandIn(
        application_id=settings.POSTER_APPLICATION_ID,
        application_secret=settings.POSTER_APPLICATION_SECRET,
        # The web process derives POSTER_OAUTH_REDIRECT_URI from the same BASE_URL unless it is set explicitly.
        redirect_uri=settings.POSTER_OAUTH_REDIRECT_URI if base_url is None else f"{base}/integrations/poster/callback",
        webhook_url=f"{base}/integrations/poster/webhook",
        port=settings.POSTER_STANDIN_PORT if port is None else port,
    )
    stand_in.account_add(
        DEMO_ACCOUNT,
        company_name=company_name,
        spots=DEMO_SPOTS,
        products=DEMO_PRODUCTS,
        account_number=DEMO_ACCOUNT_NUMBER,
    )
    stand_in.token_issue(DEMO_ACCOUNT, demo_token())
    return stand_in.start()
