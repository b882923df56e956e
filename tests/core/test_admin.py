import pytest
from django.contrib import admin
from django.urls import reverse

from stampcard.merchants.models import StaffUser
from tests.factories import CardFactory


@pytest.fixture
def operator_client(client, db):
    user = StaffUser.objects.create_superuser(email="operator@example.com", password="long enough secret 42")
    client.force_login(user)
    return client


def test_every_admin_page_of_our_models_opens(operator_client):
    card = CardFactory()
    for model in admin.site._registry:
        if not model.__module__.startswith("stampcard."):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        assert operator_client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist")).status_code == 200, info
    page = operator_client.get(reverse("admin:cards_card_change", args=[card.pk]))
    assert page.status_code == 200 and card.number.encode() in page.content
