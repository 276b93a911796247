"""Where webhooks may go. In production a URL must be https and resolve only to public
addresses — never loopback, private, link-local (cloud metadata), multicast or reserved ones —
checked when the endpoint is saved and again before each delivery (DNS can change after it was
saved). The HTTP client resolves the name once more when it connects, so a name that answers
differently within that instant (DNS rebinding with a zero TTL) isn't caught here: run the
workers behind an egress firewall where that matters. Development and tests may target
loopback receivers."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from advocacy.config import get_settings


class TargetRefused(Exception):
    """The URL may not receive webhooks here; the message says why."""


_TUNNELS = (
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated), e.g. ::127.0.0.1
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64: reaches any IPv4 address behind it
    ipaddress.ip_network("64:ff9b:1::/48"),
)


def _is_public(address: str) -> bool:
    """A global unicast address — also looking inside IPv6 forms that carry an IPv4 address
    (mapped, 6to4, Teredo), and refusing the translation prefixes outright."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in _TUNNELS):
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return _is_public(str(embedded))
    return ip.is_global and not ip.is_multicast


def check_url_shape(url: str) -> None:
    """Scheme and host, without any lookup (for input validation)."""
    parts = urlsplit(url)
    production = get_settings().environment == "production"
    allowed = {"https"} if production else {"https", "http"}
    if parts.scheme not in allowed or not parts.hostname:
        raise TargetRefused("url must be an https URL" if production else "url must be http(s)")
    if parts.username or parts.password:
        raise TargetRefused("url must not carry credentials; use the signing secret")


async def check_target(url: str) -> None:
    """Refuse a URL that is, or resolves to, a non-public address (unless allowed)."""
    check_url_shape(url)
    if get_settings().private_webhook_targets_allowed:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, parts.port or 443, type=socket.SOCK_STREAM
        )
    except OSError as error:
        raise TargetRefused(f"url's host does not resolve: {error}") from error
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(_is_public(str(address)) for address in addresses):
        raise TargetRefused("url resolves to a private, loopback or reserved address")
