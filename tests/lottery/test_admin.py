"""The operator's read-only admin pages for lotteries open, and never show a seed."""

import pytest
from django.urls import reverse

from stampcard.merchants.models import StaffUser
from tests.lottery.helpers import make_lottery, spin, variant

pytestmark = pytest.mark.django_db


def test_lottery_admin_pages_open_without_showing_seeds(client, manager, card):
    lottery = make_lottery(manager.actor(), [variant("award", 1_000_000)])
    (draw,) = spin(manager.actor(), card, lottery)
    client.force_login(StaffUser.objects.create_superuser(email="op@example.com", password="long enough secret 42"))

    pages = [
        reverse("admin:lottery_lottery_change", args=[lottery.pk]),
        reverse("admin:lottery_lotterydraw_change", args=[draw.pk]),
        reverse("admin:lottery_lotteryseed_change", args=[draw.seed_id]),
        reverse("admin:lottery_lotteryseed_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert draw.seed.seed.encode() not in response.content
