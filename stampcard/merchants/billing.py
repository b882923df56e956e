"""Plan changes and the payment door.

The rule for the current month, stated on the panel's plan page:
- an upgrade (free -> paid, more locations, monthly -> yearly) applies at once, as soon as it is paid; card
  operations of the month already counted stay counted, the cap simply goes;
- a downgrade (paid -> free, fewer locations, yearly -> monthly) applies at the end of the paid period; until then
  the paid plan stays. Without a paid period on record it applies at once.

Payment collection sits behind ``PaymentProvider``. No real provider is wired yet: ``NoProvider`` refuses with a
clear message, and the operator (Django admin) can grant a paid plan without payment (``plan_grant``).
"""

from datetime import datetime, timedelta
from typing import Protocol

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.errors import ApplicationError, Conflict, ValidationFailed
from stampcard.merchants import locks
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import (
    BillingInterval,
    Location,
    Merchant,
    Plan,
    PlanChange,
    Role,
    StaffUser,
    Subscription,
)
from stampcard.merchants.plans import FREE_LOCATIONS, Price, price_per_location
from stampcard.merchants.services import ensure_role, subscription_change

PERIOD = {BillingInterval.MONTH: timedelta(days=30), BillingInterval.YEAR: timedelta(days=365)}
INTERVAL_RANK = {"": 0, BillingInterval.MONTH: 1, BillingInterval.YEAR: 2}


class PaymentsNotConfigured(ApplicationError):
    status = 402
    code = "payments_not_configured"
    default_message = _(
        "Payments are not set up on this server, so a paid plan cannot be bought here yet. "
        "The operator of this server can grant a paid plan."
    )


class PaymentProvider(Protocol):
    """Collects the payment of a plan change. ``checkout`` returns the URL the owner pays at; the provider calls
    back (out of scope until a real one exists) and the change is then applied with ``plan_change_apply``."""

    def checkout(self, *, change: PlanChange, price: Price) -> str: ...


class NoProvider:
    """The provider of a server where payments are not set up: every payment is refused, clearly."""

    def checkout(self, *, change: PlanChange, price: Price) -> str:
        raise PaymentsNotConfigured()


def payment_provider() -> PaymentProvider:
    return NoProvider()


def payments_available() -> bool:
    return not isinstance(payment_provider(), NoProvider)


def plan_total(*, interval: BillingInterval | str, locations: int) -> Price:
    one = price_per_location(interval)
    return Price(amount=one.amount * locations, currency=one.currency)


def _is_upgrade(subscription: Subscription, *, plan: Plan, interval: str, locations: int) -> bool:
    if subscription.plan == Plan.FREE:
        return plan == Plan.PAID
    if plan == Plan.FREE:
        return False
    return locations > subscription.locations_paid or INTERVAL_RANK[interval] > INTERVAL_RANK[subscription.interval]


def _validate(*, plan: Plan, interval: str, locations: int) -> None:
    if plan == Plan.PAID and interval not in (BillingInterval.MONTH, BillingInterval.YEAR):
        raise ValidationFailed(_("Choose monthly or yearly billing."), code="invalid_interval", field="interval")
    if plan == Plan.PAID and locations < 1:
        raise ValidationFailed(
            _("A paid plan covers at least one location."), code="invalid_locations", field="locations"
        )


def _record(
    subscription: Subscription,
    *,
    plan: Plan,
    interval: str,
    locations: int,
    effective_at: datetime,
    source: str,
    by: StaffUser | None,
) -> PlanChange:
    return PlanChange.objects.create(
        merchant=subscription.merchant,
        from_plan=subscription.plan,
        from_interval=subscription.interval,
        from_locations=subscription.locations_paid,
        to_plan=plan,
        to_interval=interval if plan == Plan.PAID else "",
        to_locations=locations if plan == Plan.PAID else 0,
        effective_at=effective_at,
        source=source,
        requested_by=by,
    )


def plan_change_request(*, actor: Actor, plan: Plan, interval: str = "", locations: int = 0) -> PlanChange:
    """An owner asks for another plan. A downgrade is recorded for the end of the paid period (or applied now
    without one); an upgrade goes to the payment provider. Raises PaymentsNotConfigured, Conflict, ValidationFailed."""
    ensure_role(actor=actor, minimum=Role.OWNER)
    _validate(plan=plan, interval=interval, locations=locations)
    with transaction.atomic():
        subscription = locks.subscription_lock(merchant=actor.merchant)
        same = (subscription.plan, subscription.interval, subscription.locations_paid) == (
            plan,
            interval if plan == Plan.PAID else "",
            locations if plan == Plan.PAID else 0,
        )
        if same:
            raise Conflict(_("That is your plan already."), code="plan_unchanged")
        covered = locations if plan == Plan.PAID else FREE_LOCATIONS
        active = Location.objects.filter(merchant=actor.merchant, is_active=True).count()
        if active > covered:
            raise Conflict(
                _("You have %(active)s active locations; the new plan covers %(covered)s. Deactivate some first.")
                % {"active": active, "covered": covered},
                code="plan_too_few_locations",
            )
        upgrade = _is_upgrade(subscription, plan=plan, interval=interval, locations=locations)
        # Scheduled changes not yet applied are replaced by the newer wish.
        PlanChange.objects.filter(merchant=actor.merchant, applied_at__isnull=True, cancelled_at__isnull=True).update(
            cancelled_at=clock.now()
        )
        now = clock.now()
        end = subscription.current_period_end
        effective = now if upgrade or end is None or end <= now else end
        change = _record(
            subscription,
            plan=plan,
            interval=interval,
            locations=locations,
            effective_at=effective,
            source=PlanChange.Source.PANEL,
            by=actor.user,
        )
        if not upgrade and effective <= now:
            _apply(change, subscription=subscription)
    if upgrade:
        # Outside the transaction: a provider talks to the network. Nothing is applied until it is paid.
        try:
            payment_provider().checkout(change=change, price=plan_total(interval=interval, locations=locations))
        except ApplicationError:
            PlanChange.objects.filter(pk=change.pk).update(cancelled_at=clock.now())
            raise
    return change


def _apply(change: PlanChange, *, subscription: Subscription, period_end: datetime | None = None) -> None:
    if change.to_plan == Plan.PAID and period_end is None:
        period_end = change.effective_at + PERIOD[BillingInterval(change.to_interval)]
    subscription_change(
        merchant=subscription.merchant,
        plan=Plan(change.to_plan),
        interval=BillingInterval(change.to_interval) if change.to_interval else None,
        locations=change.to_locations,
        period_end=period_end if change.to_plan == Plan.PAID else None,
    )
    PlanChange.objects.filter(pk=change.pk).update(applied_at=clock.now())
    change.applied_at = clock.now()


@transaction.atomic
def plan_grant(
    *,
    merchant: Merchant,
    interval: BillingInterval,
    locations: int,
    by: StaffUser | None,
    period_end: datetime | None = None,
) -> PlanChange:
    """The operator grants a paid plan without payment (Django admin). Applies at once and is recorded."""
    _validate(plan=Plan.PAID, interval=interval, locations=locations)
    subscription = locks.subscription_lock(merchant=merchant)
    change = _record(
        subscription,
        plan=Plan.PAID,
        interval=interval,
        locations=locations,
        effective_at=clock.now(),
        source=PlanChange.Source.OPERATOR,
        by=by,
    )
    _apply(change, subscription=subscription, period_end=period_end)
    return change


def plan_changes_apply_due(*, merchant: Merchant | None = None) -> int:
    """Apply the scheduled downgrades whose date has come. Idempotent; returns how many were applied."""
    due = PlanChange.objects.filter(applied_at__isnull=True, cancelled_at__isnull=True, effective_at__lte=clock.now())
    if merchant is not None:
        due = due.filter(merchant=merchant)
    applied = 0
    for change_id in due.order_by("effective_at").values_list("pk", flat=True):
        with transaction.atomic():
            change = PlanChange.objects.select_for_update().select_related("merchant").get(pk=change_id)
            if change.applied_at is not None or change.cancelled_at is not None:
                continue
            subscription = locks.subscription_lock(merchant=change.merchant)
            _apply(change, subscription=subscription)
            applied += 1
    return applied


def plan_change_cancel(*, actor: Actor, change: PlanChange) -> None:
    ensure_role(actor=actor, minimum=Role.OWNER)
    PlanChange.objects.filter(pk=change.pk, merchant=actor.merchant, applied_at__isnull=True).update(
        cancelled_at=clock.now()
    )
