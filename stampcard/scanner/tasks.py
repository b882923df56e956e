"""Background work for the scanner: the unusual-activity check of cards stamped on every channel."""

from django_tasks import task

from stampcard.scanner import abuse, notices


@task()
def scanner_alerts_scan() -> dict[str, int]:
    """Raise ``unusual_activity`` alerts for cards stamped since the last run (POS, receipts, panel… as well as the
    self-service channels, which are also checked inline). Enqueued every few minutes by ``stampcard beat``."""
    scanned = abuse.ledger_scan_unusual_activity()
    return {"events": scanned.events, "cards": scanned.cards, "alerts": len(scanned.alerts)}


@task()
def scanner_alert_emails_send() -> dict[str, int]:
    """Email new anti-abuse alerts to the owners and managers who opted in (``scanner.notices``): one email per
    recipient and run, each alert once per recipient. Enqueued every few minutes by ``stampcard beat``."""
    sent = notices.alert_emails_send()
    return {"queued": sent.queued, "emails": sent.emails, "alerts": sent.alerts}
