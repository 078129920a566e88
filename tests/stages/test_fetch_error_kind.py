"""Every fetch result says explicitly why it failed (``error_kind``), through a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from feeds.fetch import Fetcher, FetchLimits, FetchResult
from tests.feed_server import FeedServer
from tests.fixtures_feeds import feed_bytes

FEED = feed_bytes("rss2_wires.xml")
LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=0.3, total_timeout=3.0, max_body_bytes=50_000)

Setup = Callable[[FeedServer], str]  # prepares routes, returns the URL to fetch


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(LIMITS) as f:
        yield f


def _loop(s: FeedServer) -> str:
    s.redirect("/a", "/b", 302)
    s.redirect("/b", "/a", 302)
    return s.url("/a")


def _chain(s: FeedServer) -> str:
    for i in range(7):
        s.redirect(f"/r{i}", f"/r{i + 1}", 302)
    return s.url("/r0")


CASES: list[tuple[str, Setup, bool, str, str | None]] = [
    # id, setup, untrusted, status, error_kind
    ("ok", lambda s: s.add("/f.xml", FEED), False, "ok", None),
    ("http-404", lambda s: s.add("/e", b"", status=404), False, "error", "http_error"),
    ("http-503", lambda s: s.add("/e", b"", status=503, retry_after="5"), False, "error", "http_error"),
    ("no-location", lambda s: s.add("/x", b"", status=301), False, "error", "http_error"),
    ("connection-refused", lambda s: "http://127.0.0.1:9/none", False, "error", "http_error"),
    ("read-timeout", lambda s: s.add("/slow", FEED, delay=1.5), False, "error", "timeout"),
    ("too-large", lambda s: s.add("/big", b"x" * 60_000), False, "error", "refused"),
    (
        "too-large-streamed",
        lambda s: s.add("/big", b"x" * 60_000, send_length=False),
        False,
        "error",
        "refused",
    ),
    ("redirect-loop", _loop, False, "error", "refused"),
    ("too-many-redirects", _chain, False, "error", "refused"),
    ("unsupported-scheme", lambda s: "ftp://example.com/feed.xml", False, "error", "refused"),
    ("guard-private-address", lambda s: s.add("/f.xml", FEED), True, "refused", "refused"),
]


@pytest.mark.parametrize(
    ("setup", "untrusted", "status", "kind"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_error_kind(
    feed_server: FeedServer, fetcher: Fetcher, setup: Setup, untrusted: bool, status: str, kind: str | None
) -> None:
    result = await fetcher.fetch(setup(feed_server), untrusted=untrusted)
    assert (result.status, result.error_kind) == (status, kind)
    assert result.outcome == (kind or status)


async def test_not_modified_has_no_error_kind(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/f.xml", FEED, etag='"v1"')
    result = await fetcher.fetch(url, etag='"v1"')
    assert (result.status, result.error_kind, result.outcome) == ("not_modified", None, "not_modified")


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (
            FetchResult("error", error="timeout after 1s total"),
            "http_error",
        ),  # no kind: never guessed from text
        (FetchResult("refused", error="refused: private address"), "refused"),
        (FetchResult("error", error_kind="parse_error"), "parse_error"),
    ],
    ids=["error-without-kind", "refused-without-kind", "parse-error"],
)
def test_outcome_of_results_built_by_hand(result: FetchResult, outcome: str) -> None:
    assert result.outcome == outcome
