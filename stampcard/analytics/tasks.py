"""Background work of analytics: the rollup refresh."""

from django_tasks import task

from stampcard.analytics import rollups


@task()
def analytics_rollups_refresh() -> dict[str, int]:
    """Rebuild the rollup days touched since the last run. Enqueued every few minutes by ``stampcard beat``; two
    workers running it at once queue on the cursor's row lock."""
    result = rollups.rollups_refresh()
    return {"events": result.events, "days": result.days, "merchants": result.merchants}
