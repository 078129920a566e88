"""/addfeed, its buttons, /removefeed, /export and /import through the chat service, on both databases,
fetching from loopback servers through the real guard (a test policy admits 127.0.0.1 only)."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.context import ChatContext
from bot.chat.feed_commands import FeedCommands, FeedRules
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.fetch import Fetcher, FetchLimits
from feeds.guard import UrlPolicy
from feeds.models import ChatKind, FeedOrigin, FeedSpec
from storage.store import Store
from tests.feed_pages import page_linking, titled_feed
from tests.feed_server import FeedServer
from tests.loopback_resolver import LoopbackResolver

ADMIN = ChatContext(1002, ChatKind.PRIVATE, user_id=42)
USER = ChatContext(1001, ChatKind.PRIVATE, user_id=1001)
OTHER = ChatContext(1003, ChatKind.PRIVATE, user_id=1003)
NEWEST = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
FEED = titled_feed(
    "Harbor Wire",
    [("h-1", "Solar ferry opens", NEWEST - timedelta(days=1)), ("h-2", "Port expands", NEWEST)],
)
LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=1.0, total_timeout=3.0)


def port(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


@pytest.fixture
def private_server() -> Iterator[FeedServer]:
    """127.0.0.2: a "private" address for the test policy; nothing may ever reach it."""
    with FeedServer(host="127.0.0.2") as server:
        server.add("/secret.xml", FEED)
        yield server


@pytest.fixture
async def fetcher(feed_server: FeedServer, private_server: FeedServer) -> AsyncIterator[Fetcher]:
    policy = UrlPolicy(
        allowed_ports=frozenset({port(feed_server), port(private_server)}),
        admit=(ipaddress.ip_network("127.0.0.1/32"),),
    )
    resolver = LoopbackResolver({"wire.test": ["127.0.0.1"], "internal.test": ["127.0.0.2"]})
    async with Fetcher(LIMITS, policy=policy, resolver=resolver) as f:
        yield f


def service_for(
    store: Store, fetcher: Fetcher, adders: str = "admins", max_per_chat: int = 20
) -> ChatService:
    rules = FeedRules(adders=adders, max_per_chat=max_per_chat, interval_seconds=600)
    feeds = FeedCommands(store, fetcher, fetcher.policy, rules, frozenset({42}))
    return ChatService(store, MatchService(store), admins=frozenset({42}), feeds=feeds)


@pytest.fixture
def service(store: Store, fetcher: Fetcher) -> ChatService:
    return service_for(store, fetcher)


def url(server: FeedServer, path: str) -> str:
    return f"http://wire.test:{port(server)}{path}"


async def say(service: ChatService, ctx: ChatContext, line: str) -> str:
    command, _, args = line.lstrip("/").partition(" ")
    return (await service.handle(ctx, command, args)).html


async def test_addfeed_of_a_feed_answers_and_stores_without_alerting(
    service: ChatService, store: Store, feed_server: FeedServer
) -> None:
    feed_server.add("/harbor.xml", FEED)
    answer = await say(service, ADMIN, f"/addfeed {url(feed_server, '/harbor.xml')}")
    assert "Added feed" in answer and "<b>Harbor Wire</b>" in answer
    assert "2 items, the newest from Nov 26, 08:30 UTC" in answer
    assert "<code>source:</code> queries call it <b>Harbor Wire</b>" in answer and "10 minutes" in answer
    [feed] = store.list_feeds()
    assert (feed.origin, feed.added_by_chat, feed.interval_seconds) == (FeedOrigin.CHAT, ADMIN.chat_id, 600)
    assert feed.last_success_at is not None and feed.next_poll_at is not None
    assert store.count_items() == 2
    assert store.unmatched_items(10) == [], "a new feed's backlog reached the matcher"


async def test_addfeed_name_and_chinese_answer(
    service: ChatService, store: Store, feed_server: FeedServer
) -> None:
    feed_server.add("/harbor.xml", FEED)
    store.touch_chat(ADMIN.chat_id, ChatKind.PRIVATE)
    store.set_chat_language(ADMIN.chat_id, "zh-Hans")
    answer = await say(service, ADMIN, f"/addfeed {url(feed_server, '/harbor.xml')}  港口 <新闻>")
    assert "已添加信息源" in answer and "<b>港口 &lt;新闻&gt;</b>" in answer
    assert store.find_feed_by_name("港口 <新闻>") is not None


@pytest.mark.parametrize("links", [1, 3], ids=["one-feed", "three-feeds"])
async def test_addfeed_of_a_page(
    service: ChatService, store: Store, feed_server: FeedServer, links: int
) -> None:
    for n in range(links):
        feed_server.add(f"/f{n}.xml", titled_feed(f"Wire {n}", [(f"g{n}", "Headline", NEWEST)]))
    feed_server.add(
        "/news", page_linking([(f"/f{n}.xml", f"Wire {n}") for n in range(links)]), content_type="text/html"
    )
    reply = await service.handle(ADMIN, "addfeed", url(feed_server, "/news"))
    if links == 1:
        assert "Added feed" in reply.html and reply.buttons == ()
        assert [f.url for f in store.list_feeds()] == [url(feed_server, "/f0.xml")]
        return
    buttons = [b for row in reply.buttons for b in row]
    assert len(buttons) == 3 and all(len(b.data.encode()) <= 64 for b in buttons)
    assert "links 3 feeds" in reply.html and store.list_feeds() == []
    elsewhere = await service.button(OTHER, buttons[1].data)
    assert "expired" in elsewhere.html, "a button acted for another chat"
    chosen = await service.button(ADMIN, buttons[1].data)
    assert "Added feed" in chosen.html and "Wire 1" in chosen.html
    assert [f.name for f in store.list_feeds()] == ["Wire 1"]


@pytest.mark.parametrize(
    ("path", "route", "expected"),
    [
        ("/missing.xml", None, "HTTP 404"),
        ("/plain.txt", {"body": b"just text", "content_type": "text/plain"}, "not a feed"),
        ("/empty.html", {"body": b"<!doctype html><p>hi", "content_type": "text/html"}, "page links no feed"),
        ("/huge.xml", {"body": b"x" * 20_000}, "too large"),
        ("/slow.xml", {"body": FEED, "delay": 2.0}, "timed out"),
    ],
    ids=["http-404", "not-a-feed", "page-without-feeds", "too-large", "timeout"],
)
async def test_addfeed_says_why_not(
    store: Store, feed_server: FeedServer, path: str, route: dict[str, object] | None, expected: str
) -> None:
    if route is not None:
        feed_server.add(path, **route)  # type: ignore[arg-type]
    policy = UrlPolicy(
        allowed_ports=frozenset({port(feed_server)}), admit=(ipaddress.ip_network("127.0.0.1/32"),)
    )
    limits = replace(LIMITS, max_body_bytes=10_000, read_timeout=0.5)
    async with Fetcher(
        limits, policy=policy, resolver=LoopbackResolver({"wire.test": ["127.0.0.1"]})
    ) as fetcher:
        answer = await say(service_for(store, fetcher), ADMIN, f"/addfeed {url(feed_server, path)}")
    assert "Not added" in answer and expected in answer
    assert store.list_feeds() == []


@pytest.mark.parametrize("host", ["internal.test", "127.0.0.2"], ids=["name", "literal"])
async def test_addfeed_of_a_private_address_is_refused(
    service: ChatService, store: Store, private_server: FeedServer, host: str
) -> None:
    answer = await say(service, ADMIN, f"/addfeed http://{host}:{port(private_server)}/secret.xml")
    assert "refused: private address" in answer and "polling.allow_private_networks = true" in answer
    assert private_server.requests == [] and store.list_feeds() == []


async def test_addfeed_to_a_port_not_allowed_names_both_settings_to_change(
    service: ChatService, store: Store
) -> None:
    answer = await say(service, ADMIN, "/addfeed http://127.0.0.1:8099/feed.xml")
    assert "refused: port not allowed" in answer
    assert "polling.allowed_ports" in answer and "polling.allow_private_networks" in answer
    assert store.list_feeds() == []


@pytest.mark.parametrize(
    ("ctx", "id_shown"),
    [(USER, True), (ADMIN, False), (ChatContext(7, ChatKind.CONSOLE, user_id=None), False)],
    ids=["user", "admin", "console"],
)
async def test_start_tells_a_user_who_is_not_an_admin_their_id(
    service: ChatService, ctx: ChatContext, id_shown: bool
) -> None:
    answer = await say(service, ctx, "/start")
    assert ("Your Telegram user id is <code>1001</code>" in answer) is id_shown
    assert ("telegram.admins" in answer) is id_shown


async def test_the_same_feed_after_a_redirect_is_refused_naming_it(
    service: ChatService, store: Store, feed_server: FeedServer
) -> None:
    feed_server.add("/harbor.xml", FEED)
    feed_server.redirect("/old", url(feed_server, "/harbor.xml"), 302)
    await say(service, ADMIN, f"/addfeed {url(feed_server, '/harbor.xml')} Harbor")
    again = await say(service, ADMIN, f"/addfeed {url(feed_server, '/old')} Another")
    assert "polled already, as <b>Harbor</b>" in again
    fragment = await say(service, ADMIN, f"/addfeed {url(feed_server, '/harbor.xml')}#top")
    assert "polled already" in fragment
    assert len(store.list_feeds()) == 1


async def test_who_may_add_and_how_many(store: Store, fetcher: Fetcher, feed_server: FeedServer) -> None:
    for n in range(3):
        feed_server.add(f"/f{n}.xml", titled_feed(f"Wire {n}", []))
    admins_only = service_for(store, fetcher)
    refusal = await say(admins_only, USER, f"/addfeed {url(feed_server, '/f0.xml')}")
    assert "Only the bot's administrators" in refusal
    assert "Your Telegram user id is <code>1001</code>" in refusal and "telegram.admins" in refusal
    assert "telegram.admins" in await say(admins_only, USER, "/feeds")
    everyone = service_for(store, fetcher, adders="everyone", max_per_chat=2)
    assert "It has no items yet" in await say(everyone, USER, f"/addfeed {url(feed_server, '/f0.xml')}")
    assert "Added" in await say(everyone, USER, f"/addfeed {url(feed_server, '/f1.xml')}")
    assert "the most it may" in await say(everyone, USER, f"/addfeed {url(feed_server, '/f2.xml')}")
    assert "Usage: /addfeed" in await say(everyone, USER, "/addfeed")


async def test_removefeed_permissions_and_items_kept(
    store: Store, fetcher: Fetcher, feed_server: FeedServer
) -> None:
    feed_server.add("/harbor.xml", FEED)
    service = service_for(store, fetcher, adders="everyone")
    store.sync_feeds([FeedSpec("Config Wire", "http://127.0.0.1/c.xml", 60)], datetime.now(UTC))
    await say(service, USER, f"/addfeed {url(feed_server, '/harbor.xml')} Harbor")
    assert "comes from the config file" in await say(service, ADMIN, "/removefeed Config Wire")
    assert "Only the chat that added" in await say(service, OTHER, "/removefeed Harbor")
    assert "No feed" in await say(service, USER, "/removefeed Nowhere")
    harbor = store.find_feed_by_name("harbor")
    assert harbor is not None
    assert "Removed feed <b>Harbor</b>" in await say(service, USER, f"/removefeed #{harbor.id}")
    assert [f.name for f in store.list_feeds()] == ["Config Wire"]
    assert store.count_items() == 2, "removing a feed dropped its releases"


async def test_removefeed_by_an_admin(service: ChatService, store: Store, feed_server: FeedServer) -> None:
    feed_server.add("/harbor.xml", FEED)
    await say(service, ADMIN, f"/addfeed {url(feed_server, '/harbor.xml')} Harbor")
    admin_elsewhere = replace(ADMIN, chat_id=5555)
    assert "Removed feed" in await say(service, admin_elsewhere, "/removefeed harbor")


async def test_export_then_import_round_trip(
    service: ChatService, store: Store, feed_server: FeedServer
) -> None:
    feed_server.add("/harbor.xml", FEED)
    store.sync_feeds([FeedSpec("Config Wire", "http://127.0.0.1/c.xml", 60)], datetime.now(UTC))
    await say(service, ADMIN, f"/addfeed {url(feed_server, '/harbor.xml')} Harbor")
    assert "administrators only" in await say(service, USER, "/export")
    exported = await service.handle(ADMIN, "export", "")
    assert exported.attachment is not None and exported.attachment.filename.endswith(".opml")
    assert "2 feeds, as OPML" in exported.html
    harbor = store.find_feed_by_name("Harbor")
    assert harbor is not None
    store.remove_feed(harbor.id, datetime.now(UTC))
    data = exported.attachment.data
    opml = data.replace(b"</body>", b'<outline text="Bad" xmlUrl="file:///etc/passwd"/></body>')

    async def document() -> bytes:
        return opml

    report = await say(service, replace(ADMIN, replied_document=document), "/import")
    assert "= http://127.0.0.1/c.xml: already present as Config Wire" in report
    assert f"+ {url(feed_server, '/harbor.xml')}: added as Harbor" in report
    assert "✗ file:///etc/passwd: refused: only http and https links" in report
    assert "1 added, 1 already present, 1 refused." in report
    assert {(f.name, f.origin) for f in store.list_feeds()} == {
        ("Config Wire", FeedOrigin.CONFIG),
        ("Harbor", FeedOrigin.OPML),
    }
    assert "as a reply to an OPML file" in await say(service, ADMIN, "/import")


async def test_feeds_shows_where_each_came_from(
    service: ChatService, store: Store, feed_server: FeedServer
) -> None:
    feed_server.add("/harbor.xml", FEED)
    store.sync_feeds([FeedSpec("Config Wire", "http://127.0.0.1/c.xml", 60)], datetime.now(UTC))
    await say(service, ADMIN, f"/addfeed {url(feed_server, '/harbor.xml')} Harbor")
    answer = await say(service, ADMIN, "/feeds")
    assert "<b>Config Wire</b> (#" in answer and "from the config" in answer
    assert "added in chat" in answer


async def test_addfeed_of_a_paused_feed_resumes_it(
    service: ChatService, store: Store, feed_server: FeedServer
) -> None:
    """A chat feed paused after a week of failures comes back when /addfeed finds its URL answering again."""
    feed_server.add("/harbor.xml", FEED)
    link = url(feed_server, "/harbor.xml")
    await say(service, ADMIN, f"/addfeed {link}")
    [feed] = store.list_feeds()
    failed_at = datetime.now(UTC) - timedelta(days=8)
    store.record_fetch_failure(feed.id, at=failed_at, error="HTTP 500", next_poll_at=failed_at)
    [paused] = store.pause_failing_feeds(datetime.now(UTC), timedelta(days=7))
    assert (
        paused.id == feed.id
        and store.claim_due_feeds(datetime.now(UTC), datetime.now(UTC) + timedelta(seconds=30), 10, "t") == []
    )
    answer = await say(service, ADMIN, f"/addfeed {link}")
    assert "was paused" in answer and "<b>Harbor Wire</b>" in answer
    resumed = store.get_feed(feed.id)
    assert resumed is not None and resumed.paused_at is None and resumed.failing_since is None
    assert [
        f.id
        for f in store.claim_due_feeds(datetime.now(UTC), datetime.now(UTC) + timedelta(seconds=30), 10, "t")
    ] == [feed.id]
    assert "polled already" in await say(service, ADMIN, f"/addfeed {link}")
