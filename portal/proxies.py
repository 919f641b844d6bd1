"""The client's address, and what a reverse proxy may tell us, through TRUSTED_PROXIES only.

``REMOTE_ADDR`` is the peer of the TCP connection. Behind a reverse proxy that is the proxy, and
the client is in ``X-Forwarded-For``, which anyone can also send themselves. So the header is
read only when the peer is one of ``settings.TRUSTED_PROXIES`` (addresses or CIDR networks;
none by default), and then from the right: each trusted proxy appends the address it saw, so
the first address from the right that is not a trusted proxy is the client. Whatever a client
wrote further left is ignored.

``client_ip`` is the one function that says who the client is: the per-address limits, the
audit trail, exports and django-axes' lockout (``AXES_CLIENT_IP_CALLABLE``) all use it.
``TrustedProxyMiddleware`` drops the scheme header of ``SECURE_PROXY_SSL_HEADER`` unless a
trusted proxy sent it, so nobody else can make a plain-HTTP request look like HTTPS.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_networks() -> tuple[Network, ...]:
    """TRUSTED_PROXIES as networks (ValueError if an entry is neither an address nor a CIDR)."""
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _address(value: str) -> Address | None:
    """The address in one X-Forwarded-For entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``,
    ``::1``), or None if it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has several colons
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:1.2.3.4) is that IPv4 client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address in network for network in networks)


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    """True if the connection comes from one of TRUSTED_PROXIES."""
    networks = trusted_networks()
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    return bool(networks) and peer is not None and _is_trusted(peer, networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy, the first address
    from the right of X-Forwarded-For that is not a trusted proxy. None if there is none."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    networks = trusted_networks()
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for entry in reversed(hops):
        if not entry.strip():
            continue
        address = _address(entry)
        if address is None:
            break  # garbage written by the client: the hop that reported it is as far as we know
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: the header of SECURE_PROXY_SSL_HEADER counts only if a trusted
    proxy sent it; from anyone else it is removed before Django reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = settings.SECURE_PROXY_SSL_HEADER
        if header and header[0] in request.META and not peer_is_trusted_proxy(request):
            del request.META[header[0]]
        return self.get_response(request)
