"""Automations: messages (and an optional voucher) that the scheduler sends by itself when something happens to a
card — a birthday coming, a long absence, a reward ready, a voucher about to expire — and stamps that lapse."""
