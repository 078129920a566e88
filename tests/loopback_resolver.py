"""A DNS resolver for tests that only ever answers loopback addresses (127.0.0.0/8).

Tests of the guard resolve names through it, so no test connects outside loopback even when the guard is
broken: a name it does not know fails like an unknown host, and it refuses to be given any other address.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class LoopbackResolver(AbstractResolver):
    """Maps names to lists of 127.x addresses; records every lookup."""

    def __init__(self, names: dict[str, list[str]] | None = None) -> None:
        self.names: dict[str, list[str]] = {}
        self.lookups: list[str] = []
        for name, addresses in (names or {}).items():
            self.set(name, *addresses)

    def set(self, name: str, *addresses: str) -> None:
        """Answer ``name`` with ``addresses`` (all must be loopback)."""
        for address in addresses:
            if ipaddress.ip_address(address) not in LOOPBACK:
                raise ValueError(f"tests resolve to loopback only, not {address}")
        self.names[name.lower()] = list(addresses)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        addresses = self.names.get(host.lower().rstrip("."))
        if not addresses:
            raise OSError(socket.EAI_NONAME, f"unknown test host {host!r}")
        return [
            ResolveResult(
                hostname=host, host=a, port=port, family=socket.AF_INET, proto=0, flags=socket.AI_NUMERICHOST
            )
            for a in addresses
        ]

    async def close(self) -> None:
        """Nothing to release."""
