"""The guard for untrusted feed URLs (added from chat, the CLI or OPML): no requests into private networks.

A ``UrlPolicy`` says what an untrusted URL may reach: schemes http/https, ports 80/443 plus the allowed
ones, and only public addresses (unless ``allow_private_networks``). Before any decision the URL is
normalized as the HTTP client reads it (``feeds.urls``: IDNA/UTS 46, so ``１２７。０。０。２`` is
``127.0.0.2``; numeric IPv4 forms such as ``2130706433``, ``0x7f.1``, ``127.1`` as a dotted quad).

The address rule is enforced where the connection is made: every untrusted connection is opened by a
``GuardedSocket`` (``guarded_socket_factory``), which refuses to connect to an address the policy does not
admit, so every redirect hop, every DNS answer and every IP literal is judged at the socket.
``GuardedResolver`` checks each DNS answer too, to refuse a name with any private answer (and log its name)
before a connection is tried; ``UrlPolicy.check_url`` refuses a literal private address without fetching
(imports).

IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 addresses are judged by the IPv4 address they carry;
IPv4-compatible (::/96) and local-use NAT64 (64:ff9b:1::/48) addresses are refused outright.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

from feeds.urls import UrlError, ipv4_host, normalize_feed_url

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_PORTS = frozenset({80, 443})
PRIVATE_ADDRESS = "private address"


def _nets(*pairs: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(net), kind) for net, kind in pairs)


IPV4_REFUSED = _nets(
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "cgnat"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
)
IPV6_REFUSED = _nets(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "ipv4-compatible"),
    ("64:ff9b:1::/48", "nat64-local"),
    ("100::/64", "reserved"),
    ("2001::/32", "teredo"),
    ("2001:2::/48", "benchmarking"),
    ("2001::/23", "reserved"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "reserved"),
    ("fc00::/7", "private"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "private"),
    ("ff00::/8", "multicast"),
)
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIXTOFOUR = ipaddress.ip_network("2002::/16")


class GuardRefused(Exception):
    """An untrusted URL may not be fetched; ``str()`` is the user-facing text (no internal detail)."""

    def __init__(self, reason: str, host: str = "", address: str = "") -> None:
        super().__init__(f"refused: {reason}")
        self.reason = reason
        self.host = host
        self.address = address


def classify(address: IPAddress) -> str | None:
    """The kind of non-public range ``address`` lies in (``"loopback"``, ``"private"`` …), None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            kind = classify(embedded)
            return None if kind is None else f"{kind} (embedded)"
        for net, kind in IPV6_REFUSED:
            if address in net:
                return kind
        return None if address in _GLOBAL_UNICAST else "reserved"
    for net4, kind in IPV4_REFUSED:
        if address in net4:
            return kind
    return None if address.is_global else "reserved"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address of an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIXTOFOUR:
        return address.sixtofour
    return None


def parse_host(host: str) -> IPAddress | None:
    """The address a URL host spells, with ``inet_aton`` semantics for IPv4; None for a name.

    Raises ``GuardRefused("invalid address")`` for a numeric host that is no address (``1.2.3.4.5``)."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text.split("%", 1)[0] if ":" in text else text)
    except ValueError:
        pass
    if ":" in text:
        raise GuardRefused("invalid address", host)
    try:
        return ipv4_host(text)
    except UrlError as bad:
        raise GuardRefused(bad.reason, host) from None


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """What an untrusted URL may reach. ``admit``: addresses allowed though their range is refused (tests)."""

    allowed_ports: frozenset[int] = frozenset()
    allow_private_networks: bool = False
    admit: tuple[IPNetwork, ...] = ()

    def check_url(self, url: str) -> str:
        """``url`` normalized as the HTTP client reads it (``feeds.urls``), its scheme, port and a literal-IP
        host checked; raises ``GuardRefused``. Names are checked when resolved, every address at connect."""
        try:
            url = normalize_feed_url(url)
        except UrlError as bad:
            raise GuardRefused(bad.reason) from None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise GuardRefused("scheme not allowed", parts.hostname or "")
        host = parts.hostname
        if not host:
            raise GuardRefused("no host")
        try:
            port = parts.port
        except ValueError:
            raise GuardRefused("invalid port", host) from None
        if port is not None and port not in DEFAULT_PORTS | self.allowed_ports:
            raise GuardRefused("port not allowed", host)
        address = parse_host(host)
        if address is not None:
            self.check_address(address, host)
        return url

    def check_address(self, address: IPAddress, host: str) -> None:
        """Raise ``GuardRefused("private address")`` unless ``address`` is public, admitted or allowed."""
        if self.allow_private_networks or any(address in net for net in self.admit):
            return
        kind = classify(address)
        if kind is not None:
            logger.warning("fetch_refused host=%s address=%s range=%s", host, address, kind)
            raise GuardRefused(PRIVATE_ADDRESS, host, str(address))


class GuardedResolver(AbstractResolver):
    """Resolves through ``inner`` and refuses the name if any answer is not an admitted address."""

    def __init__(self, policy: UrlPolicy, inner: AbstractResolver) -> None:
        self.policy = policy
        self.inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self.inner.resolve(host, port, family)
        for answer in answers:
            self.policy.check_address(ipaddress.ip_address(answer["host"].split("%", 1)[0]), host)
        return answers

    async def close(self) -> None:
        await self.inner.close()


SocketFactory = Callable[
    [tuple[int, int, int, str, tuple[str, int] | tuple[str, int, int, int]]], socket.socket
]


class GuardedSocket(socket.socket):
    """A TCP socket that refuses to connect to an address its ``policy`` does not admit."""

    policy: UrlPolicy = UrlPolicy()

    def connect(self, address: object) -> None:
        self._check_peer(address)
        super().connect(address)  # type: ignore[arg-type]

    def connect_ex(self, address: object) -> int:
        self._check_peer(address)
        return super().connect_ex(address)  # type: ignore[arg-type]

    def _check_peer(self, address: object) -> None:
        host = address[0] if isinstance(address, tuple) and address else None
        if self.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(host, str):
            raise GuardRefused("invalid address", str(address))
        peer = ipaddress.ip_address(host.split("%", 1)[0])
        self.policy.check_address(peer, host)


def guarded_socket_factory(policy: UrlPolicy) -> SocketFactory:
    """aiohttp's ``socket_factory``: every connection of the pool is made by a ``GuardedSocket``, so the
    rule holds for every hop and every address, IP literals (which aiohttp never resolves) included."""

    def make(
        addr_info: tuple[int, int, int, str, tuple[str, int] | tuple[str, int, int, int]],
    ) -> socket.socket:
        family, kind, proto, _, _ = addr_info
        sock = GuardedSocket(family, kind, proto)
        sock.policy = policy
        return sock

    return make
