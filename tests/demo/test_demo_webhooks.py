"""The demo receives webhooks on this machine: it allows local HTTP endpoints, for itself and its children."""

import pytest
from django.core.management.base import CommandError

from stampcard.campaigns.webhooks import addresses
from stampcard.demo.management.commands import demo
from stampcard.demo.stand_ins import StandInUnavailable


def test_the_demo_turns_local_webhook_endpoints_on(settings, monkeypatch):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = False
    monkeypatch.setattr(demo, "call_command", lambda *args, **kwargs: None)

    def no_stand_ins(**kwargs):
        raise StandInUnavailable("stop here")

    monkeypatch.setattr(demo, "stand_ins_start", no_stand_ins)

    with pytest.raises(CommandError):
        demo.Command().handle(host="127.0.0.1", port=8000, seed_only=False)

    assert settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP is True
    assert addresses.url_check("http://127.0.0.1:9000/hooks").address == "127.0.0.1"
