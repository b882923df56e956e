"""The fan-out bench, run tiny: both halves through the real clients, the baseline beside them, every check passed."""

import pytest
from django.conf import settings

from bench import fanout


def test_a_tiny_fan_out_reaches_every_card_and_reports_the_ratio_to_the_baseline():
    apns_url = settings.APPLE_WALLET["APNS_URL"]

    report = fanout.run(cards=21)

    assert (report["apple_cards"], report["google_cards"]) == (11, 10)
    assert all(report["checks"].values()), report
    assert report["stand_ins"]["apns_statuses"] == {200: 22}
    assert report["fan_out_seconds"] > 0 and report["baseline_seconds"] > 0
    assert report["ratio"] == pytest.approx(report["fan_out_seconds"] / report["baseline_seconds"], rel=0.05)
    assert settings.APPLE_WALLET["APNS_URL"] == apns_url  # the stand-ins' addresses do not outlive the run
