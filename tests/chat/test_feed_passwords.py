"""Feed passwords never leave the database: a feed URL with user info is stored and used for Basic auth,
and shown as ``http://user:***@host/…`` on every surface: /addfeed replies, /feeds, /export, /import,
fetch errors, logs (text and JSON), metrics, and ``wirewatch feeds``, ``feeds add`` and ``feeds export``."""

from __future__ import annotations

import base64
import io
import ipaddress
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from bot.chat.feed_commands import FeedCommands, FeedRules
from bot.chat.service import ChatContext, ChatService
from bot.ops.logs import setup_logging
from bot.ops.metrics import Metrics
from bot.pipeline.ingest import Ingestor
from bot.pipeline.match import MatchService
from feeds.fetch import Fetcher, FetchLimits
from feeds.guard import UrlPolicy
from feeds.models import ChatKind, FeedOrigin
from feeds.urls import mask_url, mask_urls_in
from storage.store import Store
from tests.e2e.test_cli import wirewatch
from tests.feed_pages import page_linking, titled_feed
from tests.feed_server import FeedServer
from tests.loopback_resolver import LoopbackResolver

SECRET = "s3cret-Pw"
BASIC = "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()
ADMIN = ChatContext(1002, ChatKind.PRIVATE, user_id=42)
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
FEED = titled_feed("", [("h-1", "Solar ferry opens", NOW)])
LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=1.0, total_timeout=3.0)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"http://alice:{SECRET}@wire.test/f.xml", "http://alice:***@wire.test/f.xml"),
        (f"https://{SECRET}@wire.test/f.xml", "https://***@wire.test/f.xml"),
        (f"http://alice:{SECRET}@x@wire.test:81/f?a=@b", "http://alice:***@wire.test:81/f?a=@b"),
        ("http://wire.test/a@b", "http://wire.test/a@b"),
        (f"http://[127.0.0.2]:{SECRET}@x/", "http://[127.0.0.2]:***@x/"),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown
    assert mask_urls_in(f"error at {url} (again {url})") == f"error at {shown} (again {shown})"


def port(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def secret_url(server: FeedServer, path: str) -> str:
    return f"http://alice:{SECRET}@wire.test:{port(server)}{path}"


@pytest.fixture
async def fetcher(feed_server: FeedServer) -> AsyncIterator[Fetcher]:
    policy = UrlPolicy(
        allowed_ports=frozenset({port(feed_server)}), admit=(ipaddress.ip_network("127.0.0.1/32"),)
    )
    async with Fetcher(LIMITS, policy=policy, resolver=LoopbackResolver({"wire.test": ["127.0.0.1"]})) as f:
        yield f


@pytest.fixture
def service(store: Store, fetcher: Fetcher) -> ChatService:
    feeds = FeedCommands(store, fetcher, fetcher.policy, FeedRules(), frozenset({42}), clock=lambda: NOW)
    return ChatService(store, MatchService(store), admins=frozenset({42}), feeds=feeds)


async def test_addfeed_replies_mask_the_password_and_the_feed_keeps_it(
    service: ChatService, store: Store, feed_server: FeedServer
) -> None:
    feed_server.add("/f.xml", FEED)
    feed_server.add("/a.xml", FEED)
    feed_server.add("/news", page_linking([("/f.xml", ""), ("/a.xml", "")]), content_type="text/html")
    missing = await service.handle(ADMIN, "addfeed", secret_url(feed_server, "/none.xml"))
    page = await service.handle(ADMIN, "addfeed", secret_url(feed_server, "/news"))
    added = await service.handle(ADMIN, "addfeed", secret_url(feed_server, "/f.xml"))
    buttons = " ".join(b.text for row in page.buttons for b in row)
    for shown in (missing.html, page.html, buttons, added.html):
        assert SECRET not in shown
    assert "alice:***@wire.test" in missing.html and "alice:***@wire.test" in page.html
    assert "Added feed" in added.html
    assert [f.url for f in store.list_feeds()] == [secret_url(feed_server, "/f.xml")]
    assert feed_server.requests_for("/f.xml")[-1].headers["authorization"] == BASIC


async def test_feeds_export_and_import_mask_the_password(
    service: ChatService, store: Store, feed_server: FeedServer
) -> None:
    feed_server.add("/f.xml", FEED)
    await service.handle(ADMIN, "addfeed", secret_url(feed_server, "/f.xml"))
    (feed,) = store.list_feeds()
    store.record_fetch_failure(
        feed.id, at=NOW, error=f"ClientError: {feed.url} failed", next_poll_at=NOW + timedelta(minutes=5)
    )
    health = await service.handle(ADMIN, "feeds", "")
    exported = await service.handle(ADMIN, "export", "")
    assert exported.attachment is not None
    assert SECRET not in health.html and "alice:***@wire.test" in health.html
    assert SECRET.encode() not in exported.attachment.data
    assert b"alice:***@wire.test" in exported.attachment.data

    other = secret_url(feed_server, "/other.xml")

    async def document() -> bytes:
        return f'<opml version="2.0"><body><outline text="o" xmlUrl="{other}"/></body></opml>'.encode()

    report = await service.handle(replace(ADMIN, replied_document=document), "import", "")
    assert SECRET not in report.html and "+ http://alice:***@wire.test" in report.html
    assert store.find_feed_by_url(other) is not None  # stored with its password, for Basic auth


async def test_fetch_errors_mask_the_password(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.redirect("/loop", secret_url(feed_server, "/loop"), 302)
    looped = await fetcher.fetch(secret_url(feed_server, "/loop"), untrusted=True)
    bad = await fetcher.fetch(f"http://alice:{SECRET}@wire.test:{port(feed_server)}:1/x")
    for result in (looped, bad):
        assert result.error is not None and SECRET not in result.error
    assert looped.error is not None and "alice:***@wire.test" in looped.error


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_log_lines_mask_the_password(fmt: str) -> None:
    stream = io.StringIO()
    handler = setup_logging(logging.INFO, fmt, stream=stream)
    try:
        logging.getLogger("feeds.fetch").info(
            "feed_moved old=%s new=%s", f"http://a:{SECRET}@h/x", "http://h/y"
        )
    finally:
        logging.getLogger().removeHandler(handler)
    line = stream.getvalue()
    assert SECRET not in line and "http://a:***@h/x" in line
    if fmt == "json":
        assert json.loads(line)["old"] == "http://a:***@h/x"


async def test_metrics_never_carry_a_feed_url(
    store: Store, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add("/f.xml", FEED)
    store.add_feed("Secret", secret_url(feed_server, "/f.xml"), 60, origin=FeedOrigin.CLI, now=NOW)
    store.add_feed("Gone", secret_url(feed_server, "/gone.xml"), 60, origin=FeedOrigin.CLI, now=NOW)
    metrics = Metrics(version="test")
    results = await Ingestor(store, fetcher, parse_executor=None, metrics=metrics).poll_all()
    assert sorted(r.error is None for r in results) == [False, True]
    text = generate_latest(metrics.registry).decode()
    assert SECRET not in text and "alice" not in text and 'result="ok"} 1.0' in text


# --- the CLI ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, feed_server: FeedServer) -> Iterator[tuple[str, str]]:
    config = tmp_path / "c.toml"
    db = f"sqlite:///{tmp_path / 'c.db'}"
    config.write_text(
        f'[database]\nurl = "{db}"\n[polling]\nallowed_ports = [{port(feed_server)}]\n'
        "allow_private_networks = true\n"
    )
    yield str(config), db


@pytest.mark.slow  # the CLI in a subprocess
def test_cli_surfaces_mask_the_password(cli: tuple[str, str], feed_server: FeedServer) -> None:
    config, db = cli
    feed_server.add("/f.xml", FEED)
    good = f"http://alice:{SECRET}@127.0.0.1:{port(feed_server)}/f.xml"
    missing = wirewatch("feeds", "add", good.replace("/f.xml", "/none.xml"), "--config", config)
    added = wirewatch("feeds", "add", good, "--config", config)
    assert added.returncode == 0, added.stderr
    store = Store.open(db)
    try:
        (feed,) = store.list_feeds()
        assert feed.url == good
        store.record_fetch_failure(feed.id, at=NOW, error=f"E: {good}", next_poll_at=NOW)
    finally:
        store.close()
    listing = wirewatch("feeds", "--config", config)
    exported = wirewatch("feeds", "export", "--config", config)
    for done in (missing, added, listing, exported):
        assert SECRET not in done.stdout + done.stderr
    assert "alice:***@127.0.0.1" in missing.stderr and "alice:***@127.0.0.1" in exported.stdout
    assert "alice:***@127.0.0.1" in listing.stdout
