"""What the automation tests share: the merchant's wall clock (Kyiv), a visit at a given moment through the real
checkout, and an automation switched on at a given moment through the service."""

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from stampcard.campaigns.automations import runner, services
from stampcard.campaigns.automations.models import Automation
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.merchants.actors import Actor

KYIV = ZoneInfo("Europe/Kyiv")
PARTS = {"en": {"subject": "Hello", "text": "We miss you."}, "uk": {"subject": "Привіт", "text": "Ми сумуємо."}}
_checks = itertools.count(1)


def kyiv(*args: int) -> datetime:
    """A moment on the merchant's wall clock (Europe/Kyiv): ``kyiv(2027, 3, 28, 10)``."""
    return datetime(*args, tzinfo=KYIV)  # type: ignore[misc]


@pytest.fixture
def no_queue(settings):
    """Sending rounds are queued nowhere: the tests read the deliveries the runs add."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def switch_on(program, kind: str, *, at: datetime, parts=None, **fields) -> Automation:
    with clock.frozen_at(at):
        return services.automation_update(
            actor=Actor.system(program.merchant),
            program_id=program.pk,
            kind=kind,
            changes=services.AutomationChanges(
                is_enabled=True, channels=["email"], parts=PARTS if parts is None else parts, **fields
            ),
        )


def visit(card: Card, at: datetime, *, actor: Actor, stamps: int = 1) -> None:
    """A paid visit at ``at``: ``stamps`` stamps through the real checkout (ledger, last visit)."""
    with clock.frozen_at(at):
        checkouts_services.checkout_commit(
            actor=actor,
            card_ref=card.number,
            check=CheckInput(external_id=f"T-{next(_checks)}", total=1000, currency="UAH"),
            fixed_stamps=stamps,
        )


def run_at(at: datetime, **kwargs) -> runner.RunReport:
    with clock.frozen_at(at):
        return runner.automations_run(**kwargs)


def created_at(obj, at: datetime):
    """Pretend ``obj`` (a card, a reward, a voucher) was made at ``at`` (``created_at`` is the wall clock's)."""
    type(obj).objects.filter(pk=obj.pk).update(created_at=at)
    obj.created_at = at
    return obj
