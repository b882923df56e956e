"""Where a webhook may be sent: HTTPS to a public address, never into the server's own network.

A merchant types the URL, and the worker that POSTs to it sits inside the operator's network: an address that
resolves to loopback, a private range, link-local (cloud metadata at 169.254.169.254), or any other non-public range
would let a merchant probe or poke at it. So the host is resolved and every address it gives must be public, when
the URL is saved and again before each send, where the request then goes to the address that was checked (a name
whose answer changes between the check and the connect, DNS rebinding, gains nothing).

``STAMPCARD_WEBHOOKS_ALLOW_HTTP`` (on in the demo and in development) allows ``http://`` and local addresses such
as ``http://127.0.0.1:9000/hook``.
"""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from stampcard.campaigns.webhooks.errors import WebhookUrlNotAllowed

Resolver = Callable[[str, int], list[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name (the Host header and TLS name keep it)."""
        parts = urlsplit(self.url)
        host = f"[{self.address}]" if ":" in self.address else self.address
        netloc = f"{host}:{self.port}"
        path = parts.path or "/"
        return f"{self.scheme}://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def allow_http() -> bool:
    return bool(getattr(settings, "STAMPCARD_WEBHOOKS_ALLOW_HTTP", False))


def _public(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def url_check(url: str, *, resolve: Resolver | None = None) -> Target:
    """Check a webhook URL and resolve its host. Raises WebhookUrlNotAllowed saying what to fix."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlNotAllowed(_("This is not a web address. Give one like https://example.com/hooks.")) from None
    scheme = parts.scheme.lower()
    local_allowed = allow_http()
    if scheme not in ("https", "http") or not parts.hostname:
        raise WebhookUrlNotAllowed(_("This is not a web address. Give one like https://example.com/hooks."))
    if scheme == "http" and not local_allowed:
        raise WebhookUrlNotAllowed(_("Use an https:// address: webhooks are only sent over HTTPS."), reason="https")
    if parts.username or parts.password:
        raise WebhookUrlNotAllowed(_("Leave the user name and password out of the address."), reason="credentials")
    if parts.fragment:
        raise WebhookUrlNotAllowed(_("Leave the #part out of the address."), reason="fragment")
    host = parts.hostname.lower()
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = (resolve or system_resolve)(host, port)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise WebhookUrlNotAllowed(
            _("The name %(host)s cannot be found. Check the address.") % {"host": host}, reason="unresolved"
        )
    parsed = [ipaddress.ip_address(address.split("%")[0]) for address in addresses]
    if not local_allowed:
        refused = [str(address) for address in parsed if not _public(address)]
        if refused:
            raise WebhookUrlNotAllowed(
                _("%(host)s leads to a private or local network address (%(address)s); use a public address.")
                % {"host": host, "address": refused[0]},
                reason="private_address",
            )
    return Target(url=url, scheme=scheme, host=host, port=port, address=str(parsed[0]))
