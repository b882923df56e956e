"""Background work for vouchers (the tasks database worker: ``stampcard worker``)."""

from django_tasks import task

from stampcard.vouchers import expiry


@task()
def vouchers_expire_due(limit: int = 500) -> dict[str, int]:
    """Expire open vouchers past their expiry and activate issued ones past ``valid_from``, in bulk.

    Enqueue it periodically (cron: ``stampcard vouchers_expire --enqueue``, or run the command itself). Redemption
    never depends on it: an expired voucher is refused from the first instant past its expiry whatever the job did.
    """
    return expiry.vouchers_expire_due(limit=limit)
