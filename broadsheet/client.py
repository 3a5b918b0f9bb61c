"""The address of the reader behind a request, as far as the proxies in front can be trusted.

`settings.FORWARDED_ALLOW_IPS` (the variable gunicorn reads too) names the proxies: addresses or
networks, comma-separated, or "*" for every peer. Only a trusted peer's `X-Forwarded-For` is
read, and only as far as the proxies appended it: walking from its right end, the first address
that is not itself a trusted proxy is the reader's. Everything left of it was written by the
client and may be made up.
"""

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@functools.lru_cache(maxsize=8)
def trusted_networks(value):
    """The networks in a FORWARDED_ALLOW_IPS value; None when it is "*" (every peer is trusted)."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if "*" in entries:
        return None
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"FORWARDED_ALLOW_IPS={value!r}: {error}; use addresses or networks "
            "(10.0.0.0/8), comma-separated, or *."
        ) from error


@functools.lru_cache(maxsize=4096)
def parse_address(value):
    """An IP address from a header or REMOTE_ADDR, or None when it is not one."""
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the same reader as over IPv4.
    return address.ipv4_mapped or address if address.version == 6 else address


def is_trusted(address):
    networks = trusted_networks(settings.FORWARDED_ALLOW_IPS)
    return networks is None or any(address in network for network in networks)


def peer_is_trusted(meta):
    """Whether the peer of a request (its META, or the WSGI environ) is a trusted proxy; a Unix
    socket (no IP address) is, as in client_ip()."""
    peer = parse_address(meta.get("REMOTE_ADDR", ""))
    return peer is None or is_trusted(peer)


def client_ip(request):
    """The reader's IP address as a string; "" when the request names none.

    A peer that is not an IP address at all is a Unix socket, which only processes on this
    machine can reach; like gunicorn, it is trusted as a proxy.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    peer = parse_address(remote)
    if peer is not None and not is_trusted(peer):
        return str(peer)
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    farthest = None
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # Not written by a trusted proxy (which appends real addresses): stop believing here.
            break
        if not is_trusted(address):
            return str(address)
        farthest = address
    else:
        if farthest is not None:
            # Every hop is a trusted proxy (or "*" trusts all): the farthest one is the reader.
            return str(farthest)
    return str(peer) if peer is not None else ""
