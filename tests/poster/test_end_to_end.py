"""The whole loop over real sockets: the stand-in's register closes a check and itself POSTs the signed webhook to a
live stampcard, which fetches the transaction back from the stand-in and stamps the card."""

import pytest

from stampcard.cards.models import Card, Check, CheckState
from stampcard.poster.models import DeliveryOutcome, PosterWebhookDelivery
from tests.poster.conftest import ACCOUNT

pytestmark = pytest.mark.django_db(transaction=True)


def test_closing_then_removing_a_check_on_the_register_stamps_then_unstamps_the_card(
    poster, connected, card, live_server
):
    poster.webhook_url = f"{live_server.url}/integrations/poster/webhook"
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1)])
    poster.transaction_comment(ACCOUNT, transaction_id, f"stampcard:{card.number}")
    poster.transaction_close(ACCOUNT, transaction_id)

    assert {d.status for d in poster.deliveries()} == {200}
    outcomes = list(PosterWebhookDelivery.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes[-1] == DeliveryOutcome.STAMPED
    assert DeliveryOutcome.OPEN in outcomes  # the webhooks while the order was open did nothing
    assert Card.objects.get(pk=card.pk).stamps == 1

    poster.transaction_remove(ACCOUNT, transaction_id)
    assert Check.objects.get().state == CheckState.REVERSED
    assert Card.objects.get(pk=card.pk).stamps == 0


def test_a_forged_webhook_sent_over_the_wire_is_refused(poster, connected, live_server):
    poster.webhook_url = f"{live_server.url}/integrations/poster/webhook"
    delivery = poster.webhook_post(poster.webhook_body(ACCOUNT, "transaction", 1, "changed", secret="guess"))
    assert delivery.status == 403
    assert not PosterWebhookDelivery.objects.exists()
