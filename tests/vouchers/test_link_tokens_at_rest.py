"""A voucher's bearer link is not stored in clear, and links printed before the upgrade keep opening."""

import secrets

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from stampcard.core import secretbox
from stampcard.core.clock import frozen_at
from stampcard.vouchers.models import Voucher
from tests.api.helpers import post
from tests.stored import columns_holding, token_altered
from tests.vouchers.conftest import T0, issue

BEFORE = ("vouchers", "0002_throttle_moved_to_core")


@pytest.mark.django_db
def test_the_database_keeps_only_a_digest_and_a_sealed_copy_of_the_link(now, manager_actor):
    voucher = issue(manager_actor)
    token = Voucher.objects.get(pk=voucher.pk).public_token

    assert columns_holding(token, Voucher) == []
    assert Voucher.objects.get(public_token_digest=secretbox.digest(token)) == voucher
    assert Client().get(f"/v/{token}").status_code == 200
    assert Client().get(f"/v/{token_altered(token)}").status_code == 404


@pytest.mark.django_db
def test_the_api_shows_the_same_link_every_time(manager, program):
    created = post(manager.client(), "/vouchers", {"title": "Free cappuccino"}).json()["vouchers"][0]

    again = manager.client().get(f"/api/v1/vouchers/{created['code']}").json()

    assert again["urls"]["page"] == created["urls"]["page"] and "/v/" in created["urls"]["page"]


@pytest.mark.django_db(transaction=True)
def test_a_link_printed_before_the_upgrade_keeps_opening_and_is_shown_unchanged(manager, program):
    with frozen_at(T0):
        voucher = issue(manager.actor(), title="Free croissant")
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    OldVoucher = executor.loader.project_state(BEFORE).apps.get_model("vouchers", "Voucher")
    printed = secrets.token_urlsafe(32)
    OldVoucher.objects.filter(pk=voucher.pk).update(public_token=printed)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: others may depend on the one rolled back

    assert columns_holding(printed, Voucher) == []
    with frozen_at(T0):
        page = Client().get(f"/v/{printed}")
    assert page.status_code == 200 and "Free croissant" in page.content.decode()
    assert Voucher.objects.get(pk=voucher.pk).public_token == printed
