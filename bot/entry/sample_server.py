"""A tiny loopback HTTP server for the bundled sample feeds (the demo needs no network)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources


def sample_feeds() -> dict[str, bytes]:
    """The bundled sample feeds by file name."""
    folder = resources.files("feeds").joinpath("samples")
    return {f.name: f.read_bytes() for f in folder.iterdir() if f.name.endswith(".xml")}


class SampleFeedServer:
    """Serves ``{"/name.xml": bytes}`` on 127.0.0.1 from a background thread; use as a context manager."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self._files = {f"/{name.lstrip('/')}": body for name, body in files.items()}
        files_ref = self._files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = files_ref.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def serve(self, files: dict[str, bytes]) -> None:
        """Serve these bodies from now on (same names)."""
        self._files.update({f"/{name.lstrip('/')}": body for name, body in files.items()})

    def url(self, name: str) -> str:
        """The URL of one served file."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/{name.lstrip('/')}"

    def __enter__(self) -> SampleFeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
