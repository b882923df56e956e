"""Emailing anti-abuse alerts to the owners and managers who asked for them (``Membership.alert_emails``).

Each run (the ``scanner_alert_emails_send`` task, every few minutes) does three steps:

1. queue: one ``AbuseAlertNotice`` per (open alert, opted-in recipient who may see it), inserted with
   ``ignore_conflicts`` on the unique (alert, membership): re-running queues nothing twice;
2. claim: one conditional UPDATE gives this run every unsent notice that nobody holds (or whose holder's lease ran
   out); a second worker running at the same moment finds them held and claims nothing;
3. send, after the claim committed (no network call inside a transaction): one email per recipient listing the
   alerts of the batch, in the recipient's language, through Django's email backend; ``sent_at`` is set afterwards,
   and a failed send gives the claim back for the next run.
"""

import logging
import smtplib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from stampcard.core import clock
from stampcard.merchants.models import Membership, Role
from stampcard.scanner import selectors
from stampcard.scanner.models import AbuseAlert, AbuseAlertNotice
from stampcard.scanner.wording import alert_details_text

logger = logging.getLogger(__name__)

# Alerts raised longer ago than this are not emailed to someone who opts in later: the panel shows them.
NEW_ALERTS = timedelta(days=1)
# How long a claim holds its notices before another run may take them over (a worker that died mid-way).
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Sent:
    queued: int
    emails: int
    alerts: int


def _recipients() -> list[Membership]:
    return list(
        Membership.objects.filter(
            alert_emails=True, is_active=True, user__is_active=True, role__in=[Role.OWNER, Role.MANAGER]
        )
        .exclude(user__email="")
        .select_related("user", "merchant")
        .prefetch_related("locations")
    )


def notices_queue(*, now: datetime) -> int:
    """Step 1: a notice for every new open alert each opted-in recipient may see; returns how many were new."""
    rows = []
    for membership in _recipients():
        alerts = AbuseAlert.objects.filter(
            merchant_id=membership.merchant_id, reviewed_at__isnull=True, raised_at__gte=now - NEW_ALERTS
        )
        limited = {location.pk for location in membership.locations.all()}
        if limited:
            alerts = selectors.alerts_visible_at(alerts, location_ids=limited)
        alerts = alerts.exclude(notices__membership=membership)
        rows += [
            AbuseAlertNotice(alert_id=alert_id, membership=membership, created_at=now)
            for alert_id in alerts.values_list("pk", flat=True)
        ]
    before = AbuseAlertNotice.objects.count() if rows else 0
    AbuseAlertNotice.objects.bulk_create(rows, ignore_conflicts=True)
    return AbuseAlertNotice.objects.count() - before if rows else 0


def notices_claim(*, now: datetime) -> uuid.UUID:
    """Step 2: hold every unsent, unheld notice for this run; returns the claim to find them by."""
    claim = uuid.uuid4()
    AbuseAlertNotice.objects.filter(sent_at__isnull=True).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ).update(claim=claim, claimed_until=now + LEASE)
    return claim


def _email(membership: Membership, alerts: list[AbuseAlert]) -> None:
    user, merchant = membership.user, membership.merchant
    with translation.override(user.language or merchant.locale or settings.LANGUAGE_CODE):
        context = {
            "merchant_name": merchant.name,
            "count": len(alerts),
            "alerts": [
                {
                    "kind": alert.get_kind_display(),
                    "card": alert.card.number,
                    "customer": alert.card.customer.name,
                    "day": alert.day,
                    "location": alert.location.name if alert.location else "",
                    "device": alert.device.name if alert.device else "",
                    "details": alert_details_text(alert),
                }
                for alert in alerts
            ],
            "url": settings.BASE_URL + reverse("panel:abuse-alerts"),
        }
        subject = " ".join(render_to_string("scanner/email/alerts_subject.txt", context).split())
        body = render_to_string("scanner/email/alerts_body.txt", context)
    send_mail(subject, body, None, [user.email])


def notices_send(*, claim: uuid.UUID, now: datetime) -> Sent:
    """Step 3: one email per recipient of the claimed notices. Reviewed meanwhile: marked sent, not mentioned."""
    notices = list(
        AbuseAlertNotice.objects.filter(claim=claim, sent_at__isnull=True)
        .select_related(
            "membership__user", "membership__merchant", "alert__card__customer", "alert__location", "alert__device"
        )
        .order_by("alert__raised_at", "pk")
    )
    batches: dict[int, list[AbuseAlertNotice]] = defaultdict(list)
    for notice in notices:
        batches[notice.membership_id].append(notice)
    emails = alerts = 0
    for batch in batches.values():
        held = AbuseAlertNotice.objects.filter(claim=claim, pk__in=[n.pk for n in batch])
        open_alerts = [n.alert for n in batch if n.alert.reviewed_at is None]
        if open_alerts:
            try:
                _email(batch[0].membership, open_alerts)
            except (smtplib.SMTPException, OSError):
                logger.warning("alert email to membership %s not sent", batch[0].membership_id, exc_info=True)
                held.update(claim=None, claimed_until=None)
                continue
            emails, alerts = emails + 1, alerts + len(open_alerts)
        held.update(sent_at=clock.now())
    return Sent(queued=0, emails=emails, alerts=alerts)


def alert_emails_send(*, now: datetime | None = None) -> Sent:
    """Queue, claim and send (see the module). Safe to run twice at once and to run again after a crash."""
    now = now or clock.now()
    queued = notices_queue(now=now)
    sent = notices_send(claim=notices_claim(now=now), now=now)
    return Sent(queued=queued, emails=sent.emails, alerts=sent.alerts)
