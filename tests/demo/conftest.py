import pytest

from stampcard.demo import history


@pytest.fixture(autouse=True)
def _no_history_unless_asked(request, monkeypatch):
    """The eight weeks of history cost the seed many seconds: only the history's own tests (test_history*) and the
    end-to-end demo command write it; the other demo tests seed without it."""
    if not request.module.__name__.rsplit(".", 1)[-1].startswith("test_history"):
        monkeypatch.setattr(history, "history_seed", lambda **kwargs: history.HistoryReport())
