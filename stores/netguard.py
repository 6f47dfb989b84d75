"""Where a webhook may point: no loopback, private, link-local or metadata addresses.

Checked when a webhook is registered and again before every attempt, on the addresses the name
resolves to then (a name can be re-pointed after registration: DNS rebinding). Delivery then
connects to the address that was checked, never to a second lookup's answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from config.errors import InvalidRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Cloud metadata services that sit on ordinary-looking addresses.
METADATA = {ipaddress.ip_address(a)
            for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")}


class UnsafeTarget(InvalidRequest):
    """A webhook URL that is malformed or reaches inside our network."""


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute http(s) URL without credentials, or UnsafeTarget."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"webhook url is malformed: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("webhook url must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise UnsafeTarget("webhook url must not carry credentials")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_internal(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip in METADATA or ip.is_loopback or ip.is_private or ip.is_link_local
            or ip.is_multicast or ip.is_reserved or ip.is_unspecified
            or not ip.is_global)


async def resolve_safe(url: str, *, allow_private: bool) -> IPAddress:
    """The address to connect to: every address the host resolves to must be public."""
    _, host, port = check_url(url)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(f"webhook host {host!r} does not resolve: {exc}") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeTarget(f"webhook host {host!r} does not resolve")
    if not allow_private:
        inside = [str(a) for a in addresses if is_internal(a)]
        if inside:
            raise UnsafeTarget(f"webhook host {host!r} resolves to a loopback, private, "
                               f"link-local or metadata address ({inside[0]}); "
                               "WEBHOOK_ALLOW_PRIVATE=true allows it in development")
    return addresses[0]
