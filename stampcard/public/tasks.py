"""Background work for the customer pages (the tasks database worker: ``stampcard worker``)."""

from django_tasks import task

from stampcard.public import recovery


@task()
def join_prune() -> dict[str, int]:
    """Delete recovery codes a day past their expiry. Enqueued daily by ``stampcard beat``."""
    return {"recovery_codes": recovery.recovery_codes_prune()}
