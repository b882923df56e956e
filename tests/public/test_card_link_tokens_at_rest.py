"""A card's web link is not stored in clear, and links sent or shown in passes before the upgrade keep opening."""

import secrets

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stampcard.cards import links
from stampcard.cards.models import CardLink
from stampcard.public import selectors
from tests.factories import CardFactory
from tests.stored import columns_holding, token_altered

BEFORE = ("cards", "0010_card_changes_for_wallets")


@pytest.mark.django_db
def test_the_database_keeps_only_a_digest_and_a_sealed_copy_of_the_web_token(phone, card):
    url = links.web_card_url(card)
    token = url.rsplit("/", 1)[1]

    assert columns_holding(token, CardLink) == []
    assert links.web_card_url(card) == url  # shown again, unchanged
    assert phone.get(f"/c/{token}").status_code == 200
    assert phone.get(f"/c/{token_altered(token)}").status_code == 404


@pytest.mark.django_db
def test_cards_are_found_by_several_tokens_in_their_order(card):
    other = CardFactory(program=card.program)
    tokens = [links.card_token(other), "unknown-token-of-enough-length", links.card_token(card)]

    assert selectors.cards_by_tokens(tokens=tokens) == [other, card]


@pytest.mark.django_db(transaction=True)
def test_a_link_made_before_the_upgrade_keeps_opening_and_is_shown_unchanged(phone, card):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    OldLink = executor.loader.project_state(BEFORE).apps.get_model("cards", "CardLink")
    sent = secrets.token_urlsafe(18)
    OldLink.objects.create(card_id=card.pk, token=sent)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: others may depend on the one rolled back

    assert columns_holding(sent, CardLink) == []
    page = phone.get(f"/c/{sent}")
    assert page.status_code == 200 and card.number in page.content.decode()
    assert links.web_card_url(card).endswith(f"/c/{sent}")
