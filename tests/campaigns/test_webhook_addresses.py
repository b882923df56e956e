"""Where webhooks may go: HTTPS to public addresses only, unless the operator allows local HTTP."""

import pytest

from stampcard.campaigns.webhooks import addresses
from stampcard.campaigns.webhooks.errors import WebhookUrlNotAllowed


def public(host, port):
    return ["93.184.216.34"]


def resolves_to(*found):
    return lambda host, port: list(found)


@pytest.fixture(autouse=True)
def _production(settings):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = False


def _refused(url, resolve=public):
    with pytest.raises(WebhookUrlNotAllowed) as refused:
        addresses.url_check(url, resolve=resolve)
    assert refused.value.code == "webhook_url_not_allowed"
    return refused.value.details.get("reason")


def test_https_to_a_public_address_is_allowed():
    target = addresses.url_check("https://hooks.example.com/in?x=1", resolve=public)
    assert target.address == "93.184.216.34" and target.port == 443
    assert target.connect_url == "https://93.184.216.34:443/in?x=1"
    assert target.host_header == "hooks.example.com"


def test_plain_http_is_refused_in_production():
    assert _refused("http://hooks.example.com/in") == "https"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "240.0.0.1",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address):
    assert _refused("https://hooks.example.com/in", resolve=resolves_to(address)) == "private_address"


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    assert _refused("https://hooks.example.com/", resolve=resolves_to("93.184.216.34", "10.0.0.1")) == "private_address"


def test_an_ip_literal_is_checked_like_a_name():
    assert _refused("https://127.0.0.1:8443/in", resolve=addresses.system_resolve) == "private_address"
    assert _refused("https://[::1]/in", resolve=addresses.system_resolve) == "private_address"


def test_a_name_that_does_not_resolve_is_refused():
    def nowhere(host, port):
        raise OSError("no such name")

    assert _refused("https://nowhere.invalid/", resolve=nowhere) == "unresolved"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/", None),
        ("https:///path", None),
        ("hooks.example.com/in", None),
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("https://hooks.example.com/#x", "fragment"),
        ("https://hooks.example.com:99999/", None),
    ],
)
def test_what_is_not_a_plain_web_address_is_refused(url, reason):
    assert _refused(url) == reason


def test_the_setting_allows_a_local_http_endpoint(settings):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True
    target = addresses.url_check("http://127.0.0.1:9000/hooks", resolve=addresses.system_resolve)
    assert target.connect_url == "http://127.0.0.1:9000/hooks" and target.host_header == "127.0.0.1:9000"
    assert addresses.url_check("https://10.0.0.5/in", resolve=resolves_to("10.0.0.5")).address == "10.0.0.5"
