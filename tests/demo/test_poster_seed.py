"""The demo seed connects the demo merchant to the Poster stand-in's demo account; a check closed there stamps here."""

import pytest

from stampcard.cards.models import Card
from stampcard.demo.poster import seed_demo
from stampcard.merchants.models import Role
from stampcard.poster import crypto
from stampcard.poster.models import AccountStatus, PosterAccount, PosterSpot
from stampcard.sandbox import poster as sandbox_poster
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_merchant_is_connected_and_a_closed_check_on_the_stand_in_stamps(
    merchant, program, location, card, live_server, settings
):
    owner = make_staff(merchant, Role.OWNER)
    urls = seed_demo(merchant=merchant, program=program, location=location, owner_actor=owner.actor(),
                     base_url=live_server.url)  # fmt: skip
    again = seed_demo(merchant=merchant, program=program, location=location, owner_actor=owner.actor(),
                      base_url=live_server.url)  # fmt: skip
    assert urls == again and urls["Poster connection (owner login)"].startswith(live_server.url)
    account = PosterAccount.objects.get()
    assert account.account == sandbox_poster.DEMO_ACCOUNT and account.status == AccountStatus.CONNECTED
    assert crypto.token_decrypt(account.access_token_encrypted) == sandbox_poster.demo_token()
    assert PosterSpot.objects.get(poster_account=account, spot_id="1").location == location

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    stand_in = sandbox_poster.start_dev_stand_in(base_url=live_server.url, port=0)
    try:
        for name, value in stand_in.settings().items():
            setattr(settings, name, value)
        transaction_id = stand_in.transaction_open(
            sandbox_poster.DEMO_ACCOUNT, products=[("1", 1)], comment=f"stampcard:{card.number}"
        )
        stand_in.transaction_close(sandbox_poster.DEMO_ACCOUNT, transaction_id)
    finally:
        stand_in.stop()
    assert Card.objects.get(pk=card.pk).stamps == 1
