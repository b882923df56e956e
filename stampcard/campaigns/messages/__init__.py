"""Messages to customers: one Message a merchant (or a campaign, an automation) wants sent, and one Delivery of it per
recipient and channel, sent by the worker after commit, idempotent per (message, recipient), resumable."""
