"""What the campaign tests share: customers with a history, and a campaign written by a manager."""

from datetime import timedelta

import pytest

from stampcard.campaigns.campaigns import services
from stampcard.campaigns.campaigns.services import CampaignInput
from stampcard.cards import ledger
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from tests.campaigns.messages.conftest import PARTS, holder, no_queue, smtp_server  # noqa: F401 - fixtures
from tests.factories import CardFactory, CustomerFactory

__all__ = ["PARTS", "holder", "stamp", "visit_days_ago", "campaign_input", "card_of"]


def card_of(program, **customer):
    return CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, **customer))


def stamp(card, *, location=None, at=None, kind=EventKind.STAMP, delta=1):
    """A ledger line on ``card`` at ``at`` (now by default), as a checkout would write it."""
    at = at or clock.now()
    event = ledger.ledger_append(
        card=card, kind=kind, delta=delta, actor=Actor.system(card.merchant), location=location
    )
    CardEvent.objects.filter(pk=event.pk).update(created_at=at)  # auto_now_add: the ledger's time is the database's
    if kind == EventKind.STAMP:
        card.last_stamp_at = at
        card.save(update_fields=["last_stamp_at"])
    return event


def visit_days_ago(card, days, **kwargs):
    return stamp(card, at=clock.now() - timedelta(days=days), **kwargs)


def campaign_input(audience=None, **overrides) -> CampaignInput:
    fields = {
        "name": "Autumn menu",
        "audience": audience if audience is not None else {"match": "all", "rules": []},
        "channels": ["email"],
        "parts": PARTS,
    }
    fields.update(overrides)
    return CampaignInput(**fields)


@pytest.fixture
def write_campaign(manager):
    def write(audience=None, **overrides):
        return services.campaign_create(actor=manager.actor(), data=campaign_input(audience, **overrides))

    return write
