"""Background work for merchants (the tasks database worker: ``stampcard worker``)."""

from django_tasks import task

from stampcard.merchants import billing


@task()
def plan_changes_apply_due() -> dict[str, int]:
    """Scheduled downgrades whose date has come take effect (idempotent: applies what is due when it runs)."""
    return {"applied": billing.plan_changes_apply_due()}
