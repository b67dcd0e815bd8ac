"""The client network the per-address limits count a client by.

An IPv4 client is counted per address. An IPv6 client is counted by its
network: a provider usually gives one host (one home, one virtual server) a
whole /64, so counting each address would let that host pick a fresh address
for every request and never reach a limit. The prefix length is
``DING["IPV6_PREFIX_LENGTH"]`` (64 by default). An IPv4-mapped IPv6 address
(``::ffff:192.0.2.1``, what a dual-stack socket reports for an IPv4 client)
is that IPv4 client.

``client_network()`` is what :attr:`Authentication.client_network
<django_ding.models.Authentication.client_network>` and
:attr:`CheckRecord.client_network <django_ding.models.CheckRecord.client_network>`
hold and what :mod:`django_ding.limits` counts and locks on. Migration
``0005_reliability_fields`` fills the column of older rows with its own copy
of this rule.
"""

from __future__ import annotations

import ipaddress

from django_ding.conf import ipv6_prefix_length

__all__ = ["client_network"]


def client_network(ip: str | None, *, prefix_length: int | None = None) -> str:
    """The network ``ip`` is counted by: ``""`` for no address, the address
    itself for IPv4 (``"192.0.2.1"``), the network in compressed form for IPv6
    (``"2001:db8:1:2::/64"``).

    ``prefix_length`` defaults to ``DING["IPV6_PREFIX_LENGTH"]``. Raises
    ``ValueError`` when ``ip`` is not an IP address, and
    :class:`~django_ding.exceptions.DingConfigurationError` for a bad setting.
    """
    if not ip:
        return ""
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    length = ipv6_prefix_length() if prefix_length is None else prefix_length
    # From the integer: a zone (``fe80::1%eth0``) is not part of the network.
    return str(ipaddress.IPv6Network((int(address), length), strict=False))
