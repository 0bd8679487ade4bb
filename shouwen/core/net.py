"""The client's address, with ``X-Forwarded-For`` believed only from the proxies named in the settings.

Anyone can send an ``X-Forwarded-For`` header. Taking it at its word would let an attacker pick a
new address for every sign-in attempt (escaping the per-address throttle) or write someone else's
address into the personal-data access log. So the header is read only when the request came
straight from a proxy listed in ``SHOUWEN_TRUSTED_PROXIES``, and then from the right: each trusted
proxy appends the address it saw, so the first address from the right that is not itself a
trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # "::ffff:10.0.0.1" from a dual-stack socket is 10.0.0.1
    return address


def _trusted(address: IPAddress, proxies: list[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_ip(request: HttpRequest | Any) -> str | None:
    """Return the client's IP address: the peer's, or the forwarded one when the peer is a trusted proxy."""
    meta = request.META
    peer = _parse(meta.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    proxies: list[IPNetwork] = settings.SHOUWEN_TRUSTED_PROXIES
    if not proxies or not _trusted(peer, proxies):
        return str(peer)
    forwarded = [part for part in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
    client = peer
    for part in reversed(forwarded):
        address = _parse(part)
        if address is None:
            break  # garbage in the chain: stop at the last address a trusted proxy vouched for
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)
