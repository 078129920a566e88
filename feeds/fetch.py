"""The HTTP adapter: fetch a feed politely (conditional GET, limits, manual redirects) and never raise.

aiohttp, not httpx: measured on 1,000 conditional GETs answered 304 (benchmarks/ingest.py), httpx spent
about 2.3 ms of event-loop CPU per request and aiohttp about 0.2 ms; httpx alone would blow the 2 s warm-pass
budget. Decompression is done here (``auto_decompress=False``) so the size cap holds after decoding too.

``Fetcher.fetch`` turns every network or HTTP problem into a ``FetchResult`` with ``status="error"`` and an
explicit ``error_kind`` (``http_error``, ``timeout``, ``refused``); the caller decides about backoff
(``feeds.schedule``) and counts ``parse_error`` itself when the body does not parse. Redirects are followed
by hand so that a chain of only permanent redirects (301/308) can report the new URL to store, and loops end
with an error.

``fetch(..., untrusted=True)`` (feeds added from chat, the CLI or OPML) goes through ``feeds.guard``: every
hop's URL is normalized and checked by the ``UrlPolicy``, and its own connection pool resolves names through
a ``GuardedResolver`` and connects through ``GuardedSocket`` objects, so the address of every connection is
checked when it is made. A refusal is ``status="refused"``. URLs in errors and logs are masked
(``feeds.urls.mask_url``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Literal
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from feeds.guard import GuardedResolver, GuardRefused, UrlPolicy, guarded_socket_factory
from feeds.urls import mask_url, mask_urls_in

logger = logging.getLogger(__name__)

FetchStatus = Literal["ok", "not_modified", "error", "refused"]
FetchErrorKind = Literal["http_error", "timeout", "refused", "parse_error"]
"""Why a fetch failed: an HTTP error status or a network failure; a timeout; refused by us (the guard, the
size cap, an unsupported URL or encoding, too many or looping redirects); a body that is not a feed (set by
the caller, after parsing)."""
FetchOutcome = Literal["ok", "not_modified", "unchanged", "http_error", "timeout", "refused", "parse_error"]
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "*/*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Timeouts (seconds), body size cap (bytes, before and after decoding), identity and concurrency caps."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_body_bytes: int = 10_000_000
    user_agent: str = "Wirewatch/0.1 (+https://github.com/wirewatch/wirewatch)"
    concurrency: int = 20
    per_host_concurrency: int = 4
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch produced. ``headers`` have lower-case names; ``body`` is decoded (no gzip)."""

    status: FetchStatus
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    final_url: str = ""
    permanent_url: str | None = None
    error: str | None = None
    retry_after: float | None = None
    http_status: int | None = None
    error_kind: FetchErrorKind | None = None

    @property
    def outcome(self) -> FetchOutcome:
        """``ok``, ``not_modified`` or the error kind (the ``result`` label of the fetch metrics)."""
        if self.status in ("ok", "not_modified"):
            return self.status
        return self.error_kind or ("refused" if self.status == "refused" else "http_error")

    def body_digest(self) -> str:
        """SHA-256 of what the parse reads: the body, its content type and its final URL (relative links
        resolve against it). Equal digests parse to equal items, so an equal one needs no parse."""
        digest = hashlib.sha256(self.body)
        digest.update(b"\0" + self.headers.get("content-type", "").encode("utf-8", "replace"))
        digest.update(b"\0" + self.final_url.encode("utf-8", "replace"))
        return digest.hexdigest()


class FetchError(Exception):
    """A fetch failed for a reason worth reporting (turned into a ``FetchResult`` by ``Fetcher.fetch``)."""

    def __init__(
        self,
        message: str,
        http_status: int | None = None,
        retry_after: float | None = None,
        kind: FetchErrorKind = "http_error",
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.retry_after = retry_after
        self.kind = kind


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True, slots=True)
class _Answer:
    """One hop's final response: status, headers and (for 200) the body."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str


class Fetcher:
    """An async HTTP client for feeds with global and per-host concurrency caps. Use ``async with``.

    ``policy`` guards untrusted fetches; ``resolver`` replaces aiohttp's DNS resolver (tests map names to
    loopback addresses with it); untrusted fetches resolve through it wrapped in a ``GuardedResolver``."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        policy: UrlPolicy | None = None,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.policy = policy or UrlPolicy()
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._guarded: aiohttp.ClientSession | None = None
        self._guarded_resolver: GuardedResolver | None = None
        self._global = asyncio.Semaphore(self.limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        self._session = self._new_session(self._resolver)
        inner = self._resolver or aiohttp.DefaultResolver()
        self._guarded_resolver = GuardedResolver(self.policy, inner)
        self._guarded = self._new_session(self._guarded_resolver, guarded=True)
        return self

    def _new_session(self, resolver: AbstractResolver | None, guarded: bool = False) -> aiohttp.ClientSession:
        """A session with its own pool, so trusted and guarded connections are never shared."""
        lim = self.limits
        connector = aiohttp.TCPConnector(
            limit=lim.concurrency,
            limit_per_host=lim.per_host_concurrency,
            resolver=resolver,
            socket_factory=guarded_socket_factory(self.policy) if guarded else None,
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=lim.connect_timeout, sock_read=lim.read_timeout
            ),
            headers={"User-Agent": lim.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
            auto_decompress=False,
            trust_env=False,
        )

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pools."""
        for session in (self._session, self._guarded):
            if session is not None:
                await session.close()
        if self._guarded_resolver is not None and self._resolver is None:
            await self._guarded_resolver.close()  # the connector does not own a resolver it was given
        self._session = self._guarded = self._guarded_resolver = None

    async def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None, *, untrusted: bool = False
    ) -> FetchResult:
        """GET ``url`` conditionally; never raises for network or HTTP problems.

        ``untrusted``: every hop goes through the guard; a refusal gives ``status="refused"``."""
        if self._session is None:
            raise RuntimeError("Fetcher used outside 'async with'")
        try:
            if untrusted:
                url = self.policy.check_url(url)  # the URL the client reads, so the result names that one
            async with asyncio.timeout(self.limits.total_timeout):
                return await self._fetch_chain(url, etag, last_modified, untrusted)
        except GuardRefused as exc:
            logger.info("fetch_refused url=%s reason=%s", mask_url(url), exc.reason)
            return FetchResult("refused", final_url=url, error=str(exc), error_kind="refused")
        except FetchError as exc:
            return _error(url, str(exc), exc.kind, exc.http_status, exc.retry_after)
        except aiohttp.ServerTimeoutError as exc:
            return _error(url, f"timeout: {exc or type(exc).__name__}"[:300], "timeout")
        except TimeoutError:
            return _error(url, f"timeout after {self.limits.total_timeout:g}s total", "timeout")
        except (aiohttp.ClientError, OSError, ValueError, zlib.error) as exc:
            return _error(url, f"{type(exc).__name__}: {exc}"[:300], "http_error")

    async def _fetch_chain(
        self, url: str, etag: str | None, last_modified: str | None, untrusted: bool
    ) -> FetchResult:
        """Follow redirects by hand; build the result from the last hop."""
        headers = _conditional_headers(etag, last_modified)
        seen = {url}
        current, permanent = url, True
        for _ in range(self.limits.max_redirects + 1):
            answer = await self._get_once(current, headers, untrusted)
            if answer.status not in REDIRECTS:
                return _result(answer, url, permanent, etag, last_modified)
            location = answer.headers.get("location")
            if not location:
                raise FetchError(f"HTTP {answer.status} without Location", answer.status)
            permanent = permanent and answer.status in PERMANENT_REDIRECTS
            current = urljoin(current, location.strip())
            if untrusted:
                current = self.policy.check_url(current)  # normalized; the address is checked at connect
            if current in seen:
                raise FetchError(f"redirect loop at {mask_url(current)}", answer.status, kind="refused")
            seen.add(current)
        raise FetchError(f"more than {self.limits.max_redirects} redirects", kind="refused")

    async def _get_once(self, url: str, headers: Mapping[str, str], untrusted: bool) -> _Answer:
        """One GET under the global and per-host caps; body read only for a 2xx answer."""
        session = self._guarded if untrusted else self._session
        assert session is not None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"unsupported URL {mask_url(url)[:100]!r}", kind="refused")
        async with (
            self._global,
            self._host_semaphore(parts.netloc.lower()),
            session.get(url, headers=headers, allow_redirects=False) as response,
        ):
            answer_headers = {k.lower(): v for k, v in response.headers.items()}
            body = await self._read_body(response, answer_headers) if 200 <= response.status < 300 else b""
        return _Answer(response.status, answer_headers, body, url)

    def _host_semaphore(self, host: str) -> asyncio.Semaphore:
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.limits.per_host_concurrency)
        return sem

    async def _read_body(self, response: aiohttp.ClientResponse, headers: Mapping[str, str]) -> bytes:
        """Stream and decode the body, aborting as soon as the raw or decoded size passes the cap."""
        cap = self.limits.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(
                f"body too large: Content-Length {declared} > {cap}", response.status, kind="refused"
            )
        decoder = _Decoder(headers.get("content-encoding", ""), cap)
        raw = 0
        async for chunk in response.content.iter_chunked(65536):
            raw += len(chunk)
            if raw > cap:
                raise FetchError(f"body too large: more than {cap} bytes", response.status, kind="refused")
            decoder.feed(chunk)
        return decoder.finish()


class _Decoder:
    """Content-Encoding decoding (identity, gzip, deflate with or without zlib header) under a size cap."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.encoding = encoding.strip().lower()
        if self.encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported Content-Encoding {encoding!r}", kind="refused")
        self.cap = cap
        self.size = 0
        self.parts: list[bytes] = []
        self.fed = False
        self._zlib: zlib._Decompress | None = None
        if self.encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, chunk: bytes) -> None:
        self.fed = self.fed or bool(chunk)
        if self.encoding in ("", "identity"):
            self._keep(chunk)
            return
        if self._zlib is None:  # deflate: RFC says zlib-wrapped, many servers send raw deflate
            wbits = zlib.MAX_WBITS if chunk[:1] == b"\x78" else -zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(wbits)
        data = chunk
        while data:
            self._keep(self._zlib.decompress(data, self.cap - self.size + 1))
            data = self._zlib.unconsumed_tail

    def finish(self) -> bytes:
        if self._zlib is not None and self.fed:  # an empty body stays empty
            self._keep(self._zlib.flush())
            if not self._zlib.eof:
                raise FetchError(f"truncated {self.encoding} body")
        return b"".join(self.parts)

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise FetchError(f"body too large: more than {self.cap} bytes after decoding", kind="refused")
        self.parts.append(data)


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _result(
    answer: _Answer, start_url: str, permanent: bool, etag: str | None, last_modified: str | None
) -> FetchResult:
    """Turn the last hop into a result: ok, not_modified, or an HTTP error (with Retry-After)."""
    moved = answer.url if permanent and answer.url != start_url else None
    h = answer.headers
    if answer.status == 304:
        status: FetchStatus = "not_modified"
        etag, last_modified = h.get("etag", etag), h.get("last-modified", last_modified)
    elif 200 <= answer.status < 300:
        status = "ok"
        etag, last_modified = h.get("etag"), h.get("last-modified")
    else:
        retry = parse_retry_after(h.get("retry-after")) if answer.status in (429, 503) else None
        return FetchResult(
            "error",
            headers=h,
            final_url=answer.url,
            permanent_url=moved,
            error=f"HTTP {answer.status}",
            retry_after=retry,
            http_status=answer.status,
            error_kind="http_error",
        )
    return FetchResult(
        status,
        body=answer.body,
        headers=h,
        etag=etag,
        last_modified=last_modified,
        final_url=answer.url,
        permanent_url=moved,
        http_status=answer.status,
    )


def _error(
    url: str,
    message: str,
    kind: FetchErrorKind,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> FetchResult:
    message = mask_urls_in(message)  # aiohttp's errors may quote the URL, user info and all
    logger.debug("fetch_error url=%s kind=%s error=%s", mask_url(url), kind, message)
    return FetchResult(
        "error",
        final_url=url,
        error=message,
        http_status=http_status,
        retry_after=retry_after,
        error_kind=kind,
    )
