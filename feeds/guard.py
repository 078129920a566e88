"""The guard for untrusted feed URLs (added from chat, the CLI or OPML): no requests into private networks.

A ``UrlPolicy`` says what an untrusted URL may reach: schemes http/https, ports 80/443 plus the allowed
ones, and only public addresses (unless ``allow_private_networks``). The address is checked when the
connection is made: ``GuardedResolver`` wraps aiohttp's resolver and checks every DNS answer (so every
redirect hop and a rebinding DNS server are caught), and ``UrlPolicy.check_url`` checks literal-IP hosts,
which aiohttp never resolves. Odd spellings of IPv4 addresses (``2130706433``, ``0x7f.1``, ``127.1``,
``017700000001``) are read with ``inet_aton`` semantics, as the C library would read them.

IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 addresses are judged by the IPv4 address they carry;
IPv4-compatible (::/96) and local-use NAT64 (64:ff9b:1::/48) addresses are refused outright.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

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
_NUMERIC_LABEL = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


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
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    try:
        return ipaddress.ip_address(text.split("%", 1)[0] if ":" in text else text)
    except ValueError:
        pass
    if ":" in text:
        raise GuardRefused("invalid address", host)
    labels = text.split(".")
    if not _NUMERIC_LABEL.match(labels[-1]):
        return None  # a name: it is checked when resolved
    value = inet_aton(text)
    if value is None:
        raise GuardRefused("invalid address", host)
    return ipaddress.IPv4Address(value)


def inet_aton(text: str) -> int | None:
    """IPv4 in the C library's ``inet_aton`` forms: 1–4 parts, each decimal, 0x-hex or 0-octal."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if not part:
            return None
        try:
            if part[:2] in ("0x", "0X"):
                values.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                values.append(int(part[1:], 8))
            else:
                values.append(int(part, 10))
        except ValueError:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    result = 0
    for v in head:
        result = result << 8 | v
    return result << 8 * (4 - len(head)) | last


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """What an untrusted URL may reach. ``admit``: addresses allowed though their range is refused (tests)."""

    allowed_ports: frozenset[int] = frozenset()
    allow_private_networks: bool = False
    admit: tuple[IPNetwork, ...] = ()

    def check_url(self, url: str) -> None:
        """Scheme, port and a literal-IP host; raises ``GuardRefused``. Names are checked when resolved."""
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
