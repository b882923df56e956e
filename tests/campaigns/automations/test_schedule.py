"""The scheduler runs the automations: the periodic task is on the schedule, often enough to catch the send hour,
and running it fires what is due."""

from datetime import timedelta

import pytest
from django.utils.module_loading import import_string

from stampcard.campaigns.automations.models import AutomationFiring, AutomationKind
from stampcard.core import clock
from stampcard.core.periodic import SCHEDULE
from tests.campaigns.automations.conftest import kyiv, switch_on
from tests.factories import CardFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]
TASK = "stampcard.campaigns.automations.tasks.automations_run"


def test_the_automations_are_on_the_schedule_at_least_every_quarter_hour():
    (entry,) = [item for item in SCHEDULE if item.task == TASK]
    assert entry.every <= timedelta(minutes=15)


def test_the_periodic_task_fires_what_is_due(program):
    card = CardFactory(program=program)
    switch_on(program, AutomationKind.WIN_BACK, at=kyiv(2027, 1, 1), days=30)

    with clock.frozen_at(kyiv(2027, 3, 1, 10)):
        result = import_string(TASK).call()

    assert result["fired"] == 1 and result["messages"] == 1
    assert AutomationFiring.objects.get().card_id == card.pk
