"""bot.pipeline.ingest.Ingestor end to end: real feed server on 127.0.0.1, real Fetcher, real SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.pipeline.ingest import FeedPollResult, Ingestor
from bot.pipeline.match import MatchService
from feeds.fetch import Fetcher, FetchLimits
from feeds.models import ChatKind, FeedSpec, FeedState
from storage.store import Store
from tests.feed_server import FeedServer
from tests.fixtures_feeds import feed_bytes

WIRES = feed_bytes("rss2_wires.xml")
ZH = feed_bytes("rss2_zh_utf8.xml")
LIMITS = FetchLimits(read_timeout=0.5, total_timeout=3.0, max_body_bytes=200_000)
INTERVAL = 600

RSS_ITEM = "<item><title>{t}</title><guid>{g}</guid><description>Release {t} text body.</description></item>"


def rss(*guids: str) -> bytes:
    items = "".join(RSS_ITEM.format(t=f"Sample release {g}", g=g) for g in guids)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'ingest.sqlite3'}")
    yield s
    s.close()


@pytest.fixture
async def ingestor(store: Store) -> AsyncIterator[Ingestor]:
    async with Fetcher(LIMITS) as fetcher:
        yield Ingestor(store, fetcher, parse_executor=None)


def configure(store: Store, server: FeedServer, paths: dict[str, str]) -> dict[str, FeedState]:
    specs = [FeedSpec(name, server.url(path), INTERVAL) for name, path in paths.items()]
    return {f.name: f for f in store.sync_feeds(specs, datetime.now(UTC) - timedelta(seconds=1))}


def by_name(results: list[FeedPollResult]) -> dict[str, FeedPollResult]:
    return {r.feed_name: r for r in results}


def state(store: Store, name: str) -> FeedState:
    return next(f for f in store.list_feeds() if f.name == name)


async def test_first_poll_stores_items_then_304_parses_nothing(
    feed_server: FeedServer, store: Store, ingestor: Ingestor
) -> None:
    feed_server.add("/wires.xml", WIRES, etag='"w1"', last_modified="Tue, 27 Jan 2026 10:00:00 GMT")
    configure(store, feed_server, {"wires": "/wires.xml"})
    (first,) = await ingestor.poll_all()
    assert (first.status, first.error, len(first.new_items)) == ("ok", None, 4)
    assert {i.feed_name for i in first.new_items} == {"wires"}
    assert (state(store, "wires").etag, state(store, "wires").last_modified) == (
        '"w1"',
        "Tue, 27 Jan 2026 10:00:00 GMT",
    )
    (second,) = await ingestor.poll_all()
    assert (second.status, second.new_items) == ("not_modified", ())
    sent = feed_server.requests[-1].headers
    assert sent["if-none-match"] == '"w1"'
    assert sent["if-modified-since"] == "Tue, 27 Jan 2026 10:00:00 GMT"
    assert store.count_items() == 4


async def test_success_schedules_next_poll_and_poll_due_skips_fresh_feeds(
    feed_server: FeedServer, store: Store, ingestor: Ingestor
) -> None:
    feed_server.add("/wires.xml", WIRES)
    configure(store, feed_server, {"wires": "/wires.xml"})
    now = datetime.now(UTC)
    assert [r.status for r in await poll_due(ingestor, now)] == ["ok"]
    next_poll = state(store, "wires").next_poll_at
    assert next_poll is not None and now + timedelta(seconds=INTERVAL * 0.85) <= next_poll
    assert await poll_due(ingestor, now + timedelta(seconds=60)) == []
    assert len(await poll_due(ingestor, now + timedelta(seconds=INTERVAL * 2))) == 1


async def poll_due(ingestor: Ingestor, now: datetime) -> list[FeedPollResult]:
    """What a pass of the fetch loop does: claim the feeds due at ``now`` (with a lease), poll each."""
    feeds = ingestor.store.claim_due_feeds(now, now + timedelta(seconds=30), 100, "test-fetch")
    return await ingestor.poll_feeds(feeds, now)


@pytest.mark.parametrize(
    ("route", "error"),
    [
        pytest.param({"status": 500}, "HTTP 500", id="http-500"),
        pytest.param({"status": 404}, "HTTP 404", id="http-404"),
        pytest.param({"delay": 1.5}, "timeout", id="timeout"),
        pytest.param({"body": b"x" * 300_000}, "too large", id="oversized"),
        pytest.param(
            {"body": feed_bytes("not_a_feed.html"), "content_type": "text/html"}, "not a feed", id="html"
        ),
        pytest.param({"body": feed_bytes("rss2_bozo_no_entries.xml")}, "malformed", id="broken-xml"),
    ],
)
async def test_one_failing_feed_is_recorded_and_others_go_on(
    feed_server: FeedServer, store: Store, ingestor: Ingestor, route: dict[str, object], error: str
) -> None:
    body = route.pop("body", WIRES)
    assert isinstance(body, bytes)
    feed_server.add("/bad.xml", body, **route)
    feed_server.add("/good.xml", ZH)
    configure(store, feed_server, {"bad": "/bad.xml", "good": "/good.xml"})
    now = datetime.now(UTC)
    results = by_name(await poll_due(ingestor, now))
    assert results["bad"].status == "error"
    assert results["bad"].error is not None and error in results["bad"].error
    assert (results["good"].status, len(results["good"].new_items)) == ("ok", 2)
    bad = state(store, "bad")
    assert (bad.consecutive_failures, bad.last_error) == (1, results["bad"].error)
    assert bad.next_poll_at is not None and bad.next_poll_at >= now + timedelta(seconds=INTERVAL * 1.5)


async def test_backoff_grows_with_consecutive_failures_and_resets_on_success(
    feed_server: FeedServer, store: Store, ingestor: Ingestor
) -> None:
    feed_server.add("/f.xml", b"", status=500)
    configure(store, feed_server, {"f": "/f.xml"})
    delays = []
    for _ in range(3):
        now = datetime.now(UTC)
        await ingestor.poll_all()
        poll_at = state(store, "f").next_poll_at
        assert poll_at is not None
        delays.append((poll_at - now).total_seconds())
    assert state(store, "f").consecutive_failures == 3
    assert delays[0] < delays[1] < delays[2]
    assert delays[2] >= INTERVAL * 8 * 0.8
    feed_server.add("/f.xml", WIRES)
    (ok,) = await ingestor.poll_all()
    assert ok.status == "ok"
    assert state(store, "f").consecutive_failures == 0


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured(
    feed_server: FeedServer, store: Store, ingestor: Ingestor, status: int
) -> None:
    feed_server.add("/busy.xml", b"", status=status, retry_after="7200")
    configure(store, feed_server, {"busy": "/busy.xml"})
    now = datetime.now(UTC)
    (result,) = await poll_due(ingestor, now)
    assert result.status == "error"
    poll_at = state(store, "busy").next_poll_at
    assert poll_at is not None and poll_at >= now + timedelta(seconds=7200)


@pytest.mark.parametrize(
    ("status", "moves"),
    [
        pytest.param(301, True, id="301-updates-url"),
        pytest.param(308, True, id="308-updates-url"),
        pytest.param(302, False, id="302-keeps-url"),
        pytest.param(307, False, id="307-keeps-url"),
    ],
)
async def test_redirects(
    feed_server: FeedServer, store: Store, ingestor: Ingestor, status: int, moves: bool
) -> None:
    feed_server.add("/new.xml", WIRES)
    feed_server.redirect("/old.xml", "/new.xml", status)
    configure(store, feed_server, {"moved": "/old.xml"})
    (result,) = await ingestor.poll_all()
    assert (result.status, len(result.new_items)) == ("ok", 4)
    expected = feed_server.url("/new.xml" if moves else "/old.xml")
    assert state(store, "moved").url == expected


async def test_redirect_loop_is_an_error(feed_server: FeedServer, store: Store, ingestor: Ingestor) -> None:
    feed_server.redirect("/a.xml", "/b.xml", 301)
    feed_server.redirect("/b.xml", "/a.xml", 301)
    configure(store, feed_server, {"loop": "/a.xml"})
    (result,) = await ingestor.poll_all()
    assert result.status == "error" and result.error is not None and "loop" in result.error
    assert state(store, "loop").url == feed_server.url("/a.xml")


async def test_gzip_feed(feed_server: FeedServer, store: Store, ingestor: Ingestor) -> None:
    feed_server.add("/z.xml", feed_bytes("rss2_zh_gb2312.xml"), encoding="gzip")
    configure(store, feed_server, {"z": "/z.xml"})
    (result,) = await ingestor.poll_all()
    assert result.status == "ok"
    assert sorted(i.title for i in result.new_items) == [
        "滨州铝业新工厂投产 山东轻量化材料产能提升",
        "魏桥创业集团发布年度出口数据",
    ]


async def test_item_seen_once_is_never_new_again(
    feed_server: FeedServer, store: Store, ingestor: Ingestor
) -> None:
    configure(store, feed_server, {"f": "/f.xml"})
    rounds = [("a", "b"), ("b",), ("a", "b", "c"), ("c", "a")]
    new_per_round = []
    for i, guids in enumerate(rounds):
        feed_server.add("/f.xml", rss(*guids), etag=f'"r{i}"')
        (result,) = await ingestor.poll_all()
        assert result.status == "ok"
        new_per_round.append(sorted(item.identity.rsplit(":", 1)[-1] for item in result.new_items))
    assert new_per_round == [["a", "b"], [], ["c"], []]


async def test_on_result_sees_every_feed_and_a_failing_callback_stops_nothing(
    feed_server: FeedServer, store: Store, ingestor: Ingestor
) -> None:
    feed_server.add("/a.xml", rss("1"))
    feed_server.add("/b.xml", rss("2"))
    configure(store, feed_server, {"a": "/a.xml", "b": "/b.xml"})
    seen: list[str] = []

    def callback(result: FeedPollResult) -> None:
        seen.append(result.feed_name)
        raise RuntimeError("callback bug")

    results = await ingestor.poll_all(on_result=callback)
    assert sorted(seen) == ["a", "b"]
    assert [r.status for r in results] == ["ok", "ok"]


async def test_parse_in_a_process_pool(feed_server: FeedServer, store: Store) -> None:
    feed_server.add("/wires.xml", WIRES)
    configure(store, feed_server, {"wires": "/wires.xml"})
    with ProcessPoolExecutor(max_workers=1) as pool:
        async with Fetcher(LIMITS) as fetcher:
            (result,) = await Ingestor(store, fetcher, parse_executor=pool).poll_all()
    assert (result.status, len(result.new_items)) == ("ok", 4)


async def test_unexpected_exception_is_caught_per_feed(feed_server: FeedServer, store: Store) -> None:
    feed_server.add("/wires.xml", WIRES)
    configure(store, feed_server, {"wires": "/wires.xml"})
    pool = ProcessPoolExecutor(max_workers=1)
    pool.shutdown()
    async with Fetcher(LIMITS) as fetcher:
        (result,) = await Ingestor(store, fetcher, parse_executor=pool).poll_all()
    assert result.status == "error"
    assert result.error is not None and result.error.startswith("RuntimeError")
    assert state(store, "wires").consecutive_failures == 1


async def test_first_poll_alerts_a_release_published_after_the_feed_was_added(
    feed_server: FeedServer, store: Store, ingestor: Ingestor
) -> None:
    """Issue 26: a config feed in a fresh database, /subscribe, a release published, then the first poll.
    The release alerts; the feed's backlog of 50 (dated before the feed was added) and an undated item
    do not."""
    now = datetime.now(UTC)
    added = now - timedelta(minutes=30)

    def item(title: str, guid: str, published: datetime | None) -> str:
        date = f"<pubDate>{format_datetime(published)}</pubDate>" if published else ""
        return (
            f"<item><title>{title}</title><guid>{guid}</guid>{date}<description>Binzhou.</description></item>"
        )

    items = [
        item("Binzhou opens a port", "news", now - timedelta(minutes=10)),
        item("Binzhou undated", "u", None),
    ]
    items += [item(f"Binzhou backlog {n}", f"old{n}", added - timedelta(hours=n + 1)) for n in range(50)]
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
    )
    feed_server.add("/binzhou.xml", body.encode())
    store.sync_feeds([FeedSpec("binzhou", feed_server.url("/binzhou.xml"), INTERVAL)], added)
    store.touch_chat(1, ChatKind.PRIVATE)
    store.add_subscription(1, "Binzhou", now - timedelta(minutes=20))
    (result,) = await ingestor.poll_all()
    assert (result.status, len(result.new_items)) == ("ok", 52)
    assert MatchService(store).run_once() == 1
    assert [a.item.title for a in store.pending_alerts(datetime.now(UTC), 100)] == ["Binzhou opens a port"]
