"""Reviewing anti-abuse alerts (a manager looked at it)."""

import uuid

from stampcard.core import clock
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role, StaffUser
from stampcard.scanner import selectors
from stampcard.scanner.models import AbuseAlert


def alert_mark_reviewed(*, alert: AbuseAlert, by: StaffUser | None) -> AbuseAlert:
    """Mark an alert reviewed; reviewing it again keeps the first review."""
    AbuseAlert.objects.filter(pk=alert.pk, reviewed_at__isnull=True).update(reviewed_at=clock.now(), reviewed_by=by)
    alert.refresh_from_db(fields=["reviewed_at", "reviewed_by"])
    return alert


def alert_review(*, actor: Actor, alert_id: str | uuid.UUID) -> AbuseAlert:
    """A manager (or owner) reviews an alert of their merchant. Raises RoleForbidden or AlertNotFound."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    return alert_mark_reviewed(alert=selectors.alert_get(actor=actor, alert_id=alert_id), by=actor.user)
