"""Row locks for merchants. The subscription row is the merchant's lock for plan-limited counts (locations,
seats) and for plan changes."""

from stampcard.merchants.models import Merchant, Subscription


def subscription_lock(*, merchant: Merchant) -> Subscription:
    return Subscription.objects.select_for_update().get(merchant=merchant)
