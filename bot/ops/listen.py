"""Binding a listen address at start (``metrics.listen``, ``telegram.webhook_listen``): what can go wrong
becomes one ``ListenError`` whose text names the setting, the address and what to change."""

from __future__ import annotations

import errno
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # aiohttp is imported where a site is bound: the CLI's error handling stays light
    from aiohttp import web

_REASONS = {
    errno.EADDRINUSE: "the port is in use (another process listens there: give each process its own port)",
    errno.EACCES: "not permitted (ports below 1024 need privileges: choose a port of 1024 or more)",
    errno.EPERM: "not permitted (ports below 1024 need privileges: choose a port of 1024 or more)",
    errno.EADDRNOTAVAIL: "this machine has no such address (use 127.0.0.1, 0.0.0.0 or one of its own)",
}


class ListenError(Exception):
    """A listen address that cannot be served; the text is the whole story (one line, no traceback)."""


def listen_reason(exc: OSError) -> str:
    """Why binding failed, in words an operator can act on."""
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve (use an IP address or a name of this machine)"
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return exc.strerror or type(exc).__name__


def check_listen(listen: tuple[str, int], setting: str) -> None:
    """Bind ``listen`` for a moment, as the server will (``SO_REUSEADDR``, like asyncio), and let go:
    ``ListenError`` now, before the slow start, when it could not be served. Port 0 is always free."""
    host, port = listen
    if port == 0:
        return
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as exc:
        raise ListenError(f"{setting}: cannot listen on {host}:{port}: {listen_reason(exc)}") from None


async def start_site(runner: web.AppRunner, listen: tuple[str, int], setting: str) -> web.TCPSite:
    """Bind ``listen`` for ``runner`` (set up already) and serve; ``ListenError`` naming ``setting`` when
    the address cannot be bound (the runner is cleaned up then)."""
    from aiohttp import web

    host, port = listen
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise ListenError(f"{setting}: cannot listen on {host}:{port}: {listen_reason(exc)}") from None
    return site
