"""The panel queries bench measures every registered query on a (tiny) generated data set, and finds plans that read
a big table end to end."""

import pytest

from bench import bigdata, panel_queries

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_every_registered_query_runs_and_is_timed():
    bigdata.fill(cards=300, events=3000, log=lambda message: None, vouchers=3)

    result = panel_queries.measure(repeat=1, only="")

    assert set(result["queries"]) == set(panel_queries.QUERIES)
    assert {"stamp: identify by card number", "stamp: commit (scratch card, own transaction)"} <= set(result["queries"])
    assert result["cards"] == 264 + 1  # the scratch card the timed commits stamp
    for name, figures in result["queries"].items():
        assert figures["median_ms"] > 0, name
        assert figures["queries"] >= 1, name


def test_a_registered_query_is_one_line_and_a_full_scan_shows_its_plan(monkeypatch):
    from stampcard.cards.models import CardEvent

    bigdata.fill(cards=300, events=3000, log=lambda message: None, vouchers=0)
    monkeypatch.setattr(panel_queries, "SEQ_SCAN_ROWS", 100)
    monkeypatch.setattr(panel_queries, "SEQ_SCAN_MIN_MS", 0)
    monkeypatch.setattr(panel_queries, "QUERIES", {})
    panel_queries.register("ledger by reason", lambda ctx: list(CardEvent.objects.filter(reason="nope")))

    result = panel_queries.measure(repeat=1, only="")

    [unindexed] = result["queries"]["ledger by reason"]["unindexed"]
    assert unindexed["seq_scans"] == ["cards_cardevent"]
    assert "Seq Scan on cards_cardevent" in unindexed["plan"]
