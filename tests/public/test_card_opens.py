"""Opening the web card records when (campaign results count a recipient who opened it after the sending)."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest

from stampcard.cards import links
from stampcard.core import clock
from stampcard.public.models import CardOpen

pytestmark = pytest.mark.django_db


def test_each_opening_of_the_web_card_moves_its_last_opening(client, card):
    path = urlparse(links.web_card_url(card)).path
    assert not CardOpen.objects.filter(card=card).exists()
    assert client.get(path).status_code == 200
    first = CardOpen.objects.get(card=card).last_opened_at
    later = clock.now() + timedelta(hours=3)
    with clock.frozen_at(later):
        client.get(path)
    assert CardOpen.objects.get(card=card).last_opened_at == later > first
