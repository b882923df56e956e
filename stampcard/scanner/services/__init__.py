"""Writes of the scanner app: pairing and device lifecycle, staff operations, self-service scans, alert review.

The API (``stampcard.scanner.api``) calls these; each owns its transaction. Card writes go through the existing
services of cards, vouchers, rewards and lottery with an Actor that is the staff member who paired the device, on
the device's location, with no API key.
"""

from stampcard.scanner.services.alerts import alert_mark_reviewed, alert_review
from stampcard.scanner.services.devices import (
    Login,
    device_actor,
    device_authenticate,
    device_mode_change,
    device_pair,
    device_unpair,
    device_unpair_by_actor,
    device_unpair_self,
    staff_login,
)
from stampcard.scanner.services.operations import (
    device_card_lookup,
    device_lottery_draw,
    device_reward_hand_over,
    device_stamp,
    device_voucher_redeem,
)
from stampcard.scanner.services.scans import ScanOutcome, scan_commit

__all__ = [
    "Login",
    "ScanOutcome",
    "alert_mark_reviewed",
    "alert_review",
    "device_unpair_by_actor",
    "device_actor",
    "device_authenticate",
    "device_card_lookup",
    "device_lottery_draw",
    "device_mode_change",
    "device_pair",
    "device_reward_hand_over",
    "device_stamp",
    "device_unpair",
    "device_unpair_self",
    "device_voucher_redeem",
    "scan_commit",
    "staff_login",
]
