"""feeds.fetch.Fetcher against a real HTTP server on 127.0.0.1 (tests/feed_server.py)."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from feeds.fetch import Fetcher, FetchLimits, parse_retry_after
from tests.feed_server import FeedServer
from tests.fixtures_feeds import feed_bytes

FEED = feed_bytes("rss2_wires.xml")
LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=1.5, total_timeout=4.0, max_body_bytes=100_000)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(LIMITS) as f:
        yield f


async def test_ok_returns_body_validators_and_lowercase_headers(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.add("/f.xml", FEED, etag='"v1"', last_modified="Tue, 27 Jan 2026 10:00:00 GMT")
    result = await fetcher.fetch(url)
    assert (result.status, result.http_status, result.error) == ("ok", 200, None)
    assert result.body == FEED
    assert (result.etag, result.last_modified) == ('"v1"', "Tue, 27 Jan 2026 10:00:00 GMT")
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert (result.final_url, result.permanent_url) == (url, None)


async def test_request_identifies_itself(feed_server: FeedServer, fetcher: Fetcher) -> None:
    await fetcher.fetch(feed_server.add("/f.xml", FEED))
    sent = feed_server.requests[0].headers
    assert sent["user-agent"] == FetchLimits().user_agent
    assert "gzip" in sent["accept-encoding"]
    assert "application/rss+xml" in sent["accept"]
    assert "if-none-match" not in sent and "if-modified-since" not in sent


@pytest.mark.parametrize(
    ("etag", "last_modified", "sent"),
    [
        pytest.param('"v1"', None, {"if-none-match": '"v1"'}, id="etag"),
        pytest.param(
            None,
            "Tue, 27 Jan 2026 10:00:00 GMT",
            {"if-modified-since": "Tue, 27 Jan 2026 10:00:00 GMT"},
            id="lm",
        ),
        pytest.param(
            '"v1"',
            "Tue, 27 Jan 2026 10:00:00 GMT",
            {"if-none-match": '"v1"', "if-modified-since": "Tue, 27 Jan 2026 10:00:00 GMT"},
            id="both",
        ),
    ],
)
async def test_conditional_get_gives_cheap_304(
    feed_server: FeedServer,
    fetcher: Fetcher,
    etag: str | None,
    last_modified: str | None,
    sent: dict[str, str],
) -> None:
    url = feed_server.add("/f.xml", FEED, etag='"v1"', last_modified="Tue, 27 Jan 2026 10:00:00 GMT")
    result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    assert (result.status, result.http_status, result.body) == ("not_modified", 304, b"")
    assert result.etag == '"v1"'
    headers = feed_server.requests[0].headers
    assert {k: headers[k] for k in sent} == sent


async def test_stale_validator_gets_full_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/f.xml", FEED, etag='"v2"')
    result = await fetcher.fetch(url, etag='"v1"')
    assert (result.status, result.etag, result.body) == ("ok", '"v2"', FEED)


@pytest.mark.parametrize(
    ("chain", "permanent"),
    [
        pytest.param([301], True, id="301"),
        pytest.param([308], True, id="308"),
        pytest.param([301, 308], True, id="301-308"),
        pytest.param([302], False, id="302"),
        pytest.param([303], False, id="303"),
        pytest.param([307], False, id="307"),
        pytest.param([301, 302], False, id="301-then-302"),
        pytest.param([307, 301], False, id="307-then-301"),
    ],
)
async def test_redirects_report_permanent_url_only_for_all_permanent_chains(
    feed_server: FeedServer, fetcher: Fetcher, chain: list[int], permanent: bool
) -> None:
    target = feed_server.add("/final.xml", FEED)
    for i, status in enumerate(chain):
        nxt = "/final.xml" if i == len(chain) - 1 else f"/hop{i + 1}"
        feed_server.redirect(f"/hop{i}", nxt, status)
    result = await fetcher.fetch(feed_server.url("/hop0"))
    assert (result.status, result.body, result.final_url) == ("ok", FEED, target)
    assert result.permanent_url == (target if permanent else None)


async def test_conditional_headers_follow_redirects(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/final.xml", FEED, etag='"v1"')
    feed_server.redirect("/old.xml", "/final.xml", 301)
    result = await fetcher.fetch(feed_server.url("/old.xml"), etag='"v1"')
    assert (result.status, result.permanent_url) == ("not_modified", feed_server.url("/final.xml"))


@pytest.mark.parametrize(
    ("routes", "start", "error"),
    [
        pytest.param({"/a": "/b", "/b": "/a"}, "/a", "redirect loop", id="loop"),
        pytest.param({"/a": "/a"}, "/a", "redirect loop", id="self-loop"),
        pytest.param(
            {f"/r{i}": f"/r{i + 1}" for i in range(7)}, "/r0", "more than 5 redirects", id="too-many"
        ),
    ],
)
async def test_redirect_loops_and_long_chains_fail(
    feed_server: FeedServer, fetcher: Fetcher, routes: dict[str, str], start: str, error: str
) -> None:
    feed_server.add("/r7", FEED)
    for src, dst in routes.items():
        feed_server.redirect(src, dst, 302)
    result = await fetcher.fetch(feed_server.url(start))
    assert result.status == "error"
    assert result.error is not None and error in result.error
    assert len(feed_server.requests) <= 6


async def test_redirect_without_location_fails(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(feed_server.add("/x", b"", status=301))
    assert (result.status, result.http_status) == ("error", 301)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_compressed_bodies_are_decoded(
    feed_server: FeedServer, fetcher: Fetcher, encoding: str
) -> None:
    result = await fetcher.fetch(feed_server.add("/f.xml", FEED, encoding=encoding))
    assert (result.status, result.body) == ("ok", FEED)


@pytest.mark.parametrize(
    ("body", "options"),
    [
        pytest.param(b"x" * 200_000, {}, id="declared-length"),
        pytest.param(b"x" * 200_000, {"send_length": False}, id="streamed-no-length"),
        pytest.param(
            b"<rss>" + b" " * 500_000 + b"</rss>", {"encoding": "gzip"}, id="gzip-bomb-small-on-wire"
        ),
    ],
)
async def test_oversized_bodies_abort(
    feed_server: FeedServer, fetcher: Fetcher, body: bytes, options: dict[str, object]
) -> None:
    result = await fetcher.fetch(feed_server.add("/big", body, **options))
    assert result.status == "error"
    assert result.error is not None and "too large" in result.error
    assert result.body == b""


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        pytest.param(500, None, None, id="500"),
        pytest.param(404, None, None, id="404"),
        pytest.param(429, "120", 120.0, id="429-seconds"),
        pytest.param(503, "7", 7.0, id="503-seconds"),
        pytest.param(429, "soon", None, id="429-garbage"),
        pytest.param(500, "60", None, id="500-ignores-retry-after"),
    ],
)
async def test_http_errors(
    feed_server: FeedServer, fetcher: Fetcher, status: int, retry_after: str | None, expected: float | None
) -> None:
    result = await fetcher.fetch(feed_server.add("/e", b"oops", status=status, retry_after=retry_after))
    assert (result.status, result.http_status, result.error) == ("error", status, f"HTTP {status}")
    assert result.retry_after == expected


async def test_retry_after_http_date(feed_server: FeedServer, fetcher: Fetcher) -> None:
    when = "Wed, 21 Oct 2099 07:28:00 GMT"
    result = await fetcher.fetch(feed_server.add("/e", b"", status=503, retry_after=when))
    assert result.retry_after is not None and result.retry_after > 365 * 86400


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("30", 30.0, id="seconds"),
        pytest.param("Tue, 27 Jan 2026 10:01:00 GMT", 60.0, id="http-date"),
        pytest.param("Tue, 27 Jan 2026 09:00:00 GMT", 0.0, id="past-date-is-zero"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
        pytest.param("-5", None, id="negative"),
        pytest.param("tomorrow", None, id="garbage"),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=datetime(2026, 1, 27, 10, 0, tzinfo=UTC)) == expected


async def test_slow_server_times_out(feed_server: FeedServer, fetcher: Fetcher) -> None:
    started = time.monotonic()
    result = await fetcher.fetch(feed_server.add("/slow", FEED, delay=5.0))
    assert result.status == "error"
    assert result.error is not None and "timeout" in result.error.lower()
    assert time.monotonic() - started < 4.0  # read_timeout (1.5 s), well before the server's 5 s


async def test_total_timeout_caps_a_whole_chain(feed_server: FeedServer) -> None:
    feed_server.add("/final.xml", FEED, delay=0.3)
    feed_server.redirect("/a", "/final.xml", 301)
    limits = FetchLimits(read_timeout=1.0, total_timeout=0.2)
    async with Fetcher(limits) as fetcher:
        result = await fetcher.fetch(feed_server.url("/a"))
    assert (result.status, result.error) == ("error", "timeout after 0.2s total")


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.1:9/nothing-listens", id="connection-refused"),
        pytest.param("ftp://example.com/feed.xml", id="unsupported-scheme"),
        pytest.param("not a url", id="garbage"),
        pytest.param("http://[::1/", id="invalid-url"),
    ],
)
async def test_network_problems_never_raise(fetcher: Fetcher, url: str) -> None:
    result = await fetcher.fetch(url)
    assert result.status == "error"
    assert result.error


async def test_per_host_cap_limits_parallel_requests(feed_server: FeedServer) -> None:
    for i in range(6):
        feed_server.add(f"/s{i}", FEED, delay=0.2)
    async with Fetcher(FetchLimits(concurrency=20, per_host_concurrency=2)) as fetcher:
        started = time.monotonic()
        results = await asyncio.gather(*(fetcher.fetch(feed_server.url(f"/s{i}")) for i in range(6)))
        elapsed = time.monotonic() - started
    assert all(r.status == "ok" for r in results)
    assert elapsed >= 0.55, "6 requests, 2 at a time, 0.2 s each: at least 3 rounds"


async def test_global_cap_limits_parallel_requests(feed_server: FeedServer) -> None:
    for i in range(4):
        feed_server.add(f"/s{i}", FEED, delay=0.2)
    async with Fetcher(FetchLimits(concurrency=1, per_host_concurrency=4)) as fetcher:
        started = time.monotonic()
        await asyncio.gather(*(fetcher.fetch(feed_server.url(f"/s{i}")) for i in range(4)))
        assert time.monotonic() - started >= 0.75


async def test_fetch_outside_context_manager_is_a_programming_error(feed_server: FeedServer) -> None:
    with pytest.raises(RuntimeError):
        await Fetcher(LIMITS).fetch(feed_server.add("/f.xml", FEED))


@pytest.mark.parametrize(
    ("body", "encoding", "status"),
    [
        pytest.param(b"", "gzip", "ok", id="empty-gzip-body"),
        pytest.param(gzip.compress(FEED)[:-20], "gzip", "error", id="truncated-gzip"),
        pytest.param(zlib.compress(FEED)[2:-4], "deflate", "ok", id="raw-deflate-without-zlib-header"),
        pytest.param(FEED, "br", "error", id="unsupported-encoding"),
    ],
)
async def test_content_encoding_edge_cases(
    feed_server: FeedServer, fetcher: Fetcher, body: bytes, encoding: str, status: str
) -> None:
    result = await fetcher.fetch(feed_server.add("/enc", body, headers={"Content-Encoding": encoding}))
    assert result.status == status, result.error
    if status == "ok":
        assert result.body in (b"", FEED)
