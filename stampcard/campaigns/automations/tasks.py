"""Background work of automations (``stampcard worker``), enqueued by the scheduler (``core.periodic``)."""

from django_tasks import task

from stampcard.campaigns.automations import runner


@task()
def automations_run() -> dict[str, int]:
    """Periodic: fire every switched-on automation for what is due now. Safe from several workers at once."""
    return runner.automations_run().as_dict()
