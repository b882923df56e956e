"""Background work for the customer pages (the tasks database worker: ``stampcard worker``)."""

from django_tasks import task

from stampcard.join import ratelimit, recovery


@task()
def join_prune() -> dict[str, int]:
    """Delete recovery codes a day past their expiry and request counters of past windows. Enqueue it daily."""
    return {
        "recovery_codes": recovery.recovery_codes_prune(),
        "throttles": ratelimit.throttles_prune(),
    }
