"""Outbound webhooks (issue 14 item 6): merchants register endpoints and choose events; the worker turns ledger lines
into signed JSON POSTs, retried with backoff for 24 hours. ``docs/webhooks.md`` is the receiver's side."""
