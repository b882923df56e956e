"""Objects for the URL walk's parameters on the organisation pages (keys, devices, staff, invitations)."""

from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Role
from stampcard.scanner.models import ScannerDevice
from tests.panel.objects import Shop, object_maker


@object_maker("key_id")
def _key(shop: Shop) -> object:
    membership = shop.staff[Role.MANAGER].membership
    key, _raw = merchants_services.api_key_create(membership=membership, name="Walk key")
    return key.pk


@object_maker("device_id")
def _device(shop: Shop) -> object:
    device = ScannerDevice.objects.create(
        merchant=shop.merchant,
        location=shop.location,
        name="Walk tablet",
        token_hash=f"walk-{shop.merchant.pk}",
        paired_by=shop.staff[Role.MANAGER].membership,
    )
    return device.pk
