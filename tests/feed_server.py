"""A real HTTP server on loopback that serves fixture feeds and misbehaves on request.

Usage::

    with FeedServer() as server:
        server.add("/wire.xml", body, etag='"v1"')
        url = server.url("/wire.xml")
        ...
        assert server.requests[0].headers["if-none-match"] == '"v1"'

Each path is a ``Route``: status, headers, validators (ETag/Last-Modified with 304 on a matching conditional
GET), ``Retry-After``, a delay, a redirect, gzip/deflate encoding, or a body sent without Content-Length.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal

Encoding = Literal["gzip", "deflate"] | None


@dataclass(frozen=True)
class Route:
    """How the server answers one path."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    redirect_to: str | None = None
    retry_after: str | None = None
    encoding: Encoding = None
    send_length: bool = True


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received: path and lower-cased headers."""

    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


class FeedServer:
    """A ThreadingHTTPServer on ``host`` (port chosen by the OS) running in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, record: bool = True) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[RecordedRequest] = []
        self.record = record
        self._lock = threading.Lock()
        self._httpd = _QuietServer((host, port), _handler_for(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="feed-server", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def add(self, path: str, body: bytes = b"", **options: object) -> str:
        """Serve ``body`` at ``path`` with ``Route`` options (replacing an earlier one); returns the URL."""
        if "headers" in options and isinstance(options["headers"], dict):
            options["headers"] = tuple(options["headers"].items())
        self.routes[path] = Route(body=body, **options)  # type: ignore[arg-type]
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        """Answer ``path`` with a redirect to ``to`` (a path on this server or an absolute URL)."""
        return self.add(path, status=status, redirect_to=to)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        """The recorded requests for one path, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _record(self, path: str, headers: dict[str, str]) -> None:
        if self.record:
            with self._lock:
                self.requests.append(RecordedRequest(path, headers))


class _QuietServer(ThreadingHTTPServer):
    """Daemon threads; clients that hang up early (size caps, timeouts) are not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def _encode(body: bytes, encoding: Encoding) -> bytes:
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    return body


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since; the latter compared as exact text here."""
    if route.etag and "if-none-match" in headers:
        return route.etag in [t.strip() for t in headers["if-none-match"].split(",")]
    if route.last_modified and "if-modified-since" in headers:
        return headers["if-modified-since"] == route.last_modified
    return False


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Silence the default stderr access log."""

        def do_GET(self) -> None:
            path = self.path
            headers = {k.lower(): v for k, v in self.headers.items()}
            server._record(path, headers)
            route = server.routes.get(path)
            if route is None:
                self._send(404, [("Content-Type", "text/plain")], b"not found")
                return
            if route.delay:
                time.sleep(route.delay)
            self._answer(route, headers)

        def _answer(self, route: Route, headers: dict[str, str]) -> None:
            extra = list(route.headers)
            if route.etag:
                extra.append(("ETag", route.etag))
            if route.last_modified:
                extra.append(("Last-Modified", route.last_modified))
            if route.redirect_to is not None:
                target = route.redirect_to
                location = server.url(target) if target.startswith("/") else target
                self._send(route.status, [*extra, ("Location", location)], b"")
            elif route.status == 200 and _not_modified(route, headers):
                self._send(304, extra, b"")
            else:
                if route.retry_after is not None:
                    extra.append(("Retry-After", route.retry_after))
                if route.encoding:
                    extra.append(("Content-Encoding", route.encoding))
                extra.append(("Content-Type", route.content_type))
                self._send(route.status, extra, _encode(route.body, route.encoding), route.send_length)

        def _send(
            self, status: int, headers: list[tuple[str, str]], body: bytes, length: bool = True
        ) -> None:
            try:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
                if not length:
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
