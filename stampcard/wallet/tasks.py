"""Background work of the wallet change feed (the tasks database worker: ``stampcard worker``)."""

from django_tasks import task

from stampcard.wallet import feed


@task()
def wallet_changes_sweep() -> dict[str, int]:
    """Periodic: hand the wallets the card changes that no after-commit hook handed over (the process died between
    commit and hook, or a wallet could not queue its work). Safe from several workers at once."""
    return feed.changes_sweep().as_dict()
