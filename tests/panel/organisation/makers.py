"""Objects for the URL walk's parameters on the organisation pages (keys, devices, staff, invitations, Poster,
insert batches)."""

from stampcard.inserts import services as inserts_services
from stampcard.inserts.benefits import benefit_clean
from stampcard.merchants import services as merchants_services
from stampcard.merchants import staffing
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Role
from stampcard.poster.models import AccountStatus, PosterAccount
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


@object_maker("membership_id")
def _membership(shop: Shop) -> object:
    return shop.staff[Role.CASHIER].membership.pk


@object_maker("invitation_id")
def _invitation(shop: Shop) -> object:
    return _invitation_with_token(shop)[0].pk


@object_maker("invitation_token")
def _invitation_token(shop: Shop) -> object:
    return _invitation_with_token(shop)[1]


def _invitation_with_token(shop: Shop) -> tuple[object, str]:
    if "_invitation" not in shop.made:
        owner = shop.staff[Role.OWNER].membership
        actor = Actor(merchant=shop.merchant, channel=Channel.PANEL, user=owner.user, membership=owner)
        merchants_services.subscription_change(merchant=shop.merchant, plan="paid", interval="month", locations=1)
        shop.made["_invitation"] = staffing.invitation_create(actor=actor, email="walk@example.com", role=Role.CASHIER)
    return shop.made["_invitation"]  # type: ignore[return-value]


@object_maker("poster_account_id")
def _poster_account(shop: Shop) -> object:
    # Not connected (no token): the walk's refresh must not call Poster.
    account = PosterAccount.objects.create(
        merchant=shop.merchant, account=f"walk-{shop.merchant.pk.hex[:12]}", status=AccountStatus.DISCONNECTED
    )
    return account.pk


@object_maker("insert_batch_id")
def _insert_batch(shop: Shop) -> object:
    actor = shop.staff[Role.MANAGER].actor(Channel.PANEL)
    batch = inserts_services.insert_batch_create(
        actor=actor, name="Walk inserts", count=2, benefit=benefit_clean(merchant=shop.merchant, kind="stamp")
    )
    return batch.pk


@object_maker("endpoint_id")
def _webhook_endpoint(shop: Shop) -> object:
    from stampcard.campaigns.webhooks.models import WebhookEndpoint

    if "_webhook" not in shop.made:
        endpoint = WebhookEndpoint(merchant=shop.merchant, url="https://hooks.example.com/in", events=["stamp.added"])
        endpoint.secret = "whsec_walk"
        endpoint.save()
        shop.made["_webhook"] = endpoint
    return shop.made["_webhook"].pk  # type: ignore[attr-defined]


@object_maker("delivery_id")
def _webhook_delivery(shop: Shop) -> object:
    import uuid

    from stampcard.campaigns.webhooks.models import WebhookDelivery
    from stampcard.core import clock

    _webhook_endpoint(shop)
    delivery = WebhookDelivery.objects.create(
        merchant=shop.merchant,
        endpoint=shop.made["_webhook"],
        event="stamp.added",
        event_key=f"walk:{uuid.uuid4()}",
        event_id=uuid.uuid4(),
        body="{}",
        window_started_at=clock.now(),
        next_attempt_at=None,
        state="failed",
    )
    return delivery.pk
