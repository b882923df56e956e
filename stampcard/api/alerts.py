"""The merchant's limit alerts (``LimitAlert``) as the panel's dashboard shows them: the open ones, newest first,
and dismissing one or all of them (a manager's act, recorded with who and when)."""

import uuid

from django.db.models import QuerySet

from stampcard.api.models import LimitAlert
from stampcard.core import clock
from stampcard.core.errors import NotFound
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Merchant, Role
from stampcard.merchants.services import ensure_role


def limit_alerts_open(*, merchant: Merchant) -> "QuerySet[LimitAlert]":
    return (
        LimitAlert.objects.filter(merchant=merchant, dismissed_at__isnull=True)
        .select_related("api_key")
        .order_by("-last_refused_at", "-pk")
    )


def limit_alert_get(*, merchant: Merchant, alert_id: str | uuid.UUID) -> LimitAlert:
    try:
        return LimitAlert.objects.get(merchant=merchant, pk=uuid.UUID(str(alert_id)))
    except (ValueError, LimitAlert.DoesNotExist):
        raise NotFound(code="limit_alert_not_found", alert_id=str(alert_id)) from None


def limit_alert_dismiss(*, actor: Actor, alert_id: str | uuid.UUID) -> LimitAlert:
    """Dismiss one alert of the actor's merchant (again is fine: the first dismissal stays). Raises RoleForbidden
    below a manager, NotFound for another merchant's alert."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    alert = limit_alert_get(merchant=actor.merchant, alert_id=alert_id)
    LimitAlert.objects.filter(pk=alert.pk, dismissed_at__isnull=True).update(
        dismissed_at=clock.now(), dismissed_by=actor.user
    )
    alert.refresh_from_db()
    return alert


def limit_alerts_dismiss_all(*, actor: Actor) -> int:
    """Dismiss every open alert of the actor's merchant; returns how many. Raises RoleForbidden below a manager."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    return limit_alerts_open(merchant=actor.merchant).update(dismissed_at=clock.now(), dismissed_by=actor.user)
