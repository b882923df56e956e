"""The background job that records expiries (and activations) in bulk."""

import signal
from datetime import timedelta

import pytest
from django.core.management import call_command
from django_tasks import task_backends

from stampcard.cards.models import CardEvent, EventKind
from stampcard.core.clock import frozen_at
from stampcard.vouchers import expiry, services
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.services import Validity
from stampcard.vouchers.states import VoucherState
from stampcard.vouchers.tasks import vouchers_expire_due
from tests.conftest import reload
from tests.factories import CardFactory
from tests.vouchers.conftest import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def mix(now, manager_actor, cashier_actor, card):
    """Vouchers in every situation the job meets, a day after ``now``."""
    return {
        "due_in_card": issue(manager_actor, card=card, validity=Validity(days=1)),
        "due_bearer": services.voucher_issue(actor=manager_actor, title="Flyer", count=3, validity=Validity(days=1)),
        "not_due": issue(manager_actor, validity=Validity(days=2)),
        "unlimited": issue(manager_actor),
        "starts_today": issue(manager_actor, valid_from=now + timedelta(hours=12), validity=Validity(days=5)),
        "redeemed": services.voucher_redeem(
            actor=cashier_actor, code=issue(manager_actor, validity=Validity(days=1)).code
        ),
    }


def states(vouchers):
    return [reload(v).state for v in vouchers]


def test_the_job_expires_due_vouchers_and_activates_started_ones(now, mix, card):
    with frozen_at(now + timedelta(days=1)):
        moved = vouchers_expire_due.call()

    assert moved["expired"] == 4 and moved["activated"] == 1
    assert states([mix["due_in_card"], *mix["due_bearer"]]) == [VoucherState.EXPIRED] * 4
    assert states([mix["not_due"], mix["unlimited"], mix["starts_today"]]) == [VoucherState.ACTIVE] * 3
    assert reload(mix["redeemed"]).state == VoucherState.REDEEMED
    [line] = CardEvent.objects.filter(card=card, kind=EventKind.VOUCHER_EXPIRED)
    assert line.payload == {"voucher_id": str(mix["due_in_card"].pk)} and line.delta == 0 and line.channel == "system"
    assert reload(mix["due_in_card"]).expired_at == now + timedelta(days=1)


def test_running_the_job_again_changes_nothing(now, mix, card):
    with frozen_at(now + timedelta(days=1)):
        vouchers_expire_due.call()
        again = vouchers_expire_due.call()
    assert (again["expired"], again["activated"]) == (0, 0)
    assert CardEvent.objects.filter(kind=EventKind.VOUCHER_EXPIRED).count() == 1


def test_the_job_works_in_batches(now, manager_actor):
    services.voucher_issue(actor=manager_actor, title="Flyer", count=7, validity=Validity(days=1))
    with frozen_at(now + timedelta(days=2)):
        assert expiry.vouchers_expire_due(limit=5)["expired"] == 5
        assert expiry.vouchers_expire_due(limit=5)["expired"] == 2
    assert not Voucher.objects.exclude(state=VoucherState.EXPIRED).exists()


def test_the_job_spans_merchants(now, manager_actor):
    from stampcard.merchants.actors import Actor
    from tests.factories import MerchantFactory

    other = Actor.system(MerchantFactory())
    theirs = issue(other, card=CardFactory(program__merchant=other.merchant), validity=Validity(days=1))
    ours = issue(manager_actor, validity=Validity(days=1))
    with frozen_at(now + timedelta(days=1)):
        vouchers_expire_due.call()
    assert states([theirs, ours]) == [VoucherState.EXPIRED] * 2


def run_worker_in_this_process() -> None:
    # The worker installs its own SIGTERM and SIGINT handlers (they raise SystemExit); put the test runner's back,
    # or a signal later in the run would surface as a SystemExit in whichever test is running then.
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "default", verbosity=0)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


@pytest.mark.django_db(transaction=True)
def test_the_task_runs_on_the_database_worker(now, mix):
    # Transactional: the worker closes its connection when it is done, as it does between runs in production.
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    with frozen_at(now + timedelta(days=1)):
        result = vouchers_expire_due.enqueue()
        run_worker_in_this_process()
        result.refresh()

    assert result.status == "SUCCESSFUL", result.errors
    assert result.return_value["expired"] == 4
    assert reload(mix["due_in_card"]).state == VoucherState.EXPIRED


def test_the_command_runs_the_job(now, mix, capsys):
    with frozen_at(now + timedelta(days=1)):
        call_command("vouchers_expire")
    assert "expired: 4" in capsys.readouterr().out
