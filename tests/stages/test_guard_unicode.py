"""Every spelling of a private address is refused at the socket: WHATWG IPv4 forms and Unicode spellings,
fetched directly, through a redirect, by ``/addfeed`` and ``/import`` (the chat service) and by ``wirewatch
feeds add|import`` (the CLI), against a server on 127.0.0.2 that counts its connections: 0 allowed.

The test policy admits 127.0.0.1 (the feed server) and, like any loopback address, refuses 127.0.0.2.
Names resolve through ``LoopbackResolver``; nothing here can reach beyond 127.0.0.0/8.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from bot.chat.feed_commands import FeedCommands, FeedRules
from bot.chat.service import ChatContext, ChatService
from bot.pipeline.match import MatchService
from feeds.fetch import Fetcher, FetchLimits
from feeds.guard import GuardRefused, UrlPolicy, guarded_socket_factory
from feeds.models import ChatKind
from feeds.opml import parse_opml
from feeds.urls import normalize_feed_url
from storage.store import Store
from tests.e2e.test_cli import wirewatch
from tests.feed_server import FeedServer
from tests.fixtures_feeds import feed_bytes
from tests.loopback_resolver import LoopbackResolver

FEED = feed_bytes("rss2_wires.xml")
LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=1.0, total_timeout=3.0)
ADMIN = ChatContext(1002, ChatKind.PRIVATE, user_id=42)
# host spellings of 127.0.0.2: the WHATWG URL standard's IPv4 forms, then Unicode ones the IDNA mapping folds
WHATWG = {
    "decimal": "2130706434",
    "octal": "0177.0.0.2",
    "octal-whole": "017700000002",
    "hex": "0x7f.0.0.2",
    "hex-whole": "0X7F000002",
    "short": "127.2",
    "short-3": "127.0.2",
    "trailing-dot": "127.0.0.2.",
    "mixed": "0x7f.0.0002",
    "mixed-short": "0177.0x2",
}
UNICODE = {
    "fullwidth": "１２７.０.０.２",
    "ideographic-stops": "127。0。0。2",
    "one-fullwidth-digit": "127.0.0.２",
    "fullwidth-stops": "127．0．0．2",
    "halfwidth-stops": "127｡0｡0｡2",
    "fullwidth-hex": "０ｘ７ｆ.０.０.２",
    "fullwidth-decimal": "２１３０７０６４３４",
}
SPELLINGS = {**WHATWG, **UNICODE}
IPV6 = {"mapped": "[::ffff:127.0.0.2]", "mapped-hex": "[::ffff:7f00:2]", "nat64": "[64:ff9b::7f00:2]"}


class PrivateServer(FeedServer):
    """A feed server on 127.0.0.2 that counts every TCP connection it accepts."""

    def __init__(self) -> None:
        super().__init__(host="127.0.0.2")
        self.connections = 0
        accept = self._httpd.get_request

        def counted() -> tuple[socket.socket, object]:
            self.connections += 1
            return accept()

        self._httpd.get_request = counted  # type: ignore[method-assign]


def port(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


@pytest.fixture
def private_server() -> Iterator[PrivateServer]:
    with PrivateServer() as server:
        server.add("/f.xml", FEED)
        yield server


def policy_for(*servers: FeedServer, allow_private: bool = False) -> UrlPolicy:
    return UrlPolicy(
        allowed_ports=frozenset(port(s) for s in servers),
        allow_private_networks=allow_private,
        admit=(ipaddress.ip_network("127.0.0.1/32"),),
    )


@pytest.fixture
async def fetcher(feed_server: FeedServer, private_server: PrivateServer) -> AsyncIterator[Fetcher]:
    resolver = LoopbackResolver({"wire.test": ["127.0.0.1"]})
    async with Fetcher(LIMITS, policy=policy_for(feed_server, private_server), resolver=resolver) as f:
        yield f


def private_url(server: FeedServer, host: str) -> str:
    return f"http://{host}:{port(server)}/f.xml"


@pytest.mark.parametrize("host", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_each_spelling_normalizes_to_the_address_the_client_connects_to(host: str) -> None:
    assert normalize_feed_url(f"http://{host}:8080/f.xml") == "http://127.0.0.2:8080/f.xml"


@pytest.mark.parametrize("host", [*SPELLINGS.values(), *IPV6.values()], ids=[*SPELLINGS, *IPV6])
async def test_fetch_of_each_spelling_is_refused(
    fetcher: Fetcher, private_server: PrivateServer, host: str
) -> None:
    result = await fetcher.fetch(private_url(private_server, host), untrusted=True)
    assert (result.status, result.error) == ("refused", "refused: private address")
    assert private_server.connections == 0


@pytest.fixture
async def redirector() -> AsyncIterator[str]:
    """An HTTP server on 127.0.0.1 answering ``/to?u=URL`` with a 302 to URL (raw UTF-8 in Location)."""

    async def to(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": request.query["u"]})

    app = web.Application()
    app.router.add_get("/to", to)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    bound = runner.addresses[0][1]
    yield f"http://wire.test:{bound}"
    await runner.cleanup()


@pytest.mark.parametrize("host", SPELLINGS.values(), ids=SPELLINGS.keys())
async def test_redirect_to_each_spelling_is_refused(
    feed_server: FeedServer, private_server: PrivateServer, redirector: str, host: str
) -> None:
    redirector_port = int(redirector.rsplit(":", 1)[1])
    policy = replace(
        policy_for(feed_server, private_server),
        allowed_ports=frozenset({port(private_server), redirector_port}),
    )
    resolver = LoopbackResolver({"wire.test": ["127.0.0.1"]})
    async with Fetcher(LIMITS, policy=policy, resolver=resolver) as fetcher:
        first = await fetcher.fetch(f"{redirector}/to?u=/ok", untrusted=True)
        result = await fetcher.fetch(
            str(URL(f"{redirector}/to").with_query(u=private_url(private_server, host))),
            untrusted=True,
        )
    assert first.status == "error" and first.http_status == 404  # the redirector itself is reachable
    assert (result.status, result.error) == ("refused", "refused: private address")
    assert private_server.connections == 0


async def test_the_socket_refuses_even_without_the_checks_before_it(private_server: PrivateServer) -> None:
    """The socket hook alone: no URL check, a resolver that does not judge, an IP literal and a name."""
    policy = policy_for(private_server)
    resolver = LoopbackResolver({"internal.test": ["127.0.0.2"]})
    connector = aiohttp.TCPConnector(resolver=resolver, socket_factory=guarded_socket_factory(policy))
    async with aiohttp.ClientSession(connector=connector) as session:
        for url in (private_server.url("/f.xml"), f"http://internal.test:{port(private_server)}/f.xml"):
            with pytest.raises(GuardRefused, match="private address"):
                await session.get(url)
    assert private_server.connections == 0


async def test_allow_private_networks_reaches_every_spelling(
    feed_server: FeedServer, private_server: PrivateServer, redirector: str
) -> None:
    redirector_port = int(redirector.rsplit(":", 1)[1])
    policy = replace(
        policy_for(feed_server, private_server, allow_private=True),
        allowed_ports=frozenset({port(private_server), redirector_port}),
    )
    resolver = LoopbackResolver({"wire.test": ["127.0.0.1"]})
    target = private_url(private_server, UNICODE["fullwidth"])
    async with Fetcher(LIMITS, policy=policy, resolver=resolver) as fetcher:
        direct = [
            await fetcher.fetch(private_url(private_server, h), untrusted=True) for h in SPELLINGS.values()
        ]
        redirected = await fetcher.fetch(str(URL(f"{redirector}/to").with_query(u=target)), untrusted=True)
    assert {(r.status, r.body, r.final_url) for r in direct} == {("ok", FEED, private_server.url("/f.xml"))}
    assert (redirected.status, redirected.body) == ("ok", FEED)
    assert private_server.connections >= 1 and len(private_server.requests) == len(SPELLINGS) + 1


# --- through the chat service ------------------------------------------------------------------------------


@pytest.fixture
def service(store: Store, fetcher: Fetcher) -> ChatService:
    feeds = FeedCommands(store, fetcher, fetcher.policy, FeedRules(interval_seconds=600), frozenset({42}))
    return ChatService(store, MatchService(store), admins=frozenset({42}), feeds=feeds)


@pytest.mark.parametrize("host", SPELLINGS.values(), ids=SPELLINGS.keys())
async def test_addfeed_refuses_each_spelling(
    service: ChatService, store: Store, private_server: PrivateServer, host: str
) -> None:
    reply = await service.handle(ADMIN, "addfeed", private_url(private_server, host))
    assert "Not added" in reply.html and "refused: private address" in reply.html
    assert store.list_feeds() == [] and private_server.connections == 0


async def test_addfeed_through_a_redirect_refuses_each_spelling(
    store: Store, private_server: PrivateServer, redirector: str
) -> None:
    redirector_port = int(redirector.rsplit(":", 1)[1])
    policy = replace(
        policy_for(private_server), allowed_ports=frozenset({port(private_server), redirector_port})
    )
    resolver = LoopbackResolver({"wire.test": ["127.0.0.1"]})
    async with Fetcher(LIMITS, policy=policy, resolver=resolver) as fetcher:
        feeds = FeedCommands(store, fetcher, policy, FeedRules(), frozenset({42}))
        service = ChatService(store, MatchService(store), admins=frozenset({42}), feeds=feeds)
        for host in SPELLINGS.values():
            hop = str(URL(f"{redirector}/to").with_query(u=private_url(private_server, host)))
            reply = await service.handle(ADMIN, "addfeed", hop)
            assert "refused: private address" in reply.html, host
    assert store.list_feeds() == [] and private_server.connections == 0


def opml_of(urls: list[str]) -> bytes:
    outlines = "".join(f'<outline text="f{n}" xmlUrl="{u}"/>' for n, u in enumerate(urls))
    return (
        f'<?xml version="1.0" encoding="utf-8"?><opml version="2.0"><body>{outlines}</body></opml>'.encode()
    )


async def test_import_refuses_each_spelling_and_adds_the_rest(
    service: ChatService, store: Store, feed_server: FeedServer, private_server: PrivateServer
) -> None:
    good = f"http://wire.test:{port(feed_server)}/good.xml"
    urls = [private_url(private_server, h) for h in SPELLINGS.values()] + [good]

    async def document() -> bytes:
        return opml_of(urls)

    reply = await service.handle(replace(ADMIN, replied_document=document), "import", "")
    assert reply.html.count("refused: private address") == min(len(SPELLINGS), 15)
    assert f"1 added, 0 already present, {len(SPELLINGS)} refused." in reply.html
    assert [f.url for f in store.list_feeds()] == [good]
    assert private_server.connections == 0


# --- through the CLI --------------------------------------------------------------------------------------


def cli_config(tmp_path: Path, private_server: FeedServer, allow_private: bool) -> str:
    path = tmp_path / "guard.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "guard.db"}"\n'
        f"[polling]\nallowed_ports = [{port(private_server)}]\n"
        f"allow_private_networks = {'true' if allow_private else 'false'}\n"
    )
    return str(path)


CLI_SPELLINGS = ["fullwidth", "ideographic-stops", "decimal"]


@pytest.mark.slow  # the CLI in a subprocess
def test_cli_add_and_import_refuse_every_spelling(tmp_path: Path, private_server: PrivateServer) -> None:
    config = cli_config(tmp_path, private_server, allow_private=False)
    for name in CLI_SPELLINGS:
        added = wirewatch("feeds", "add", private_url(private_server, SPELLINGS[name]), "--config", config)
        assert added.returncode == 1 and "refused: private address" in added.stderr, (name, added.stderr)
    opml = tmp_path / "spellings.opml"
    opml.write_bytes(opml_of([private_url(private_server, h) for h in SPELLINGS.values()]))
    imported = wirewatch("feeds", "import", str(opml), "--config", config)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.count("refused: private address") == len(SPELLINGS)
    assert "Traceback" not in imported.stderr
    assert private_server.connections == 0


@pytest.mark.slow  # the CLI in a subprocess
def test_cli_with_private_networks_allowed_adds_the_normalized_url(
    tmp_path: Path, private_server: PrivateServer
) -> None:
    config = cli_config(tmp_path, private_server, allow_private=True)
    added = wirewatch("feeds", "add", private_url(private_server, UNICODE["fullwidth"]), "--config", config)
    assert added.returncode == 0, added.stderr
    exported = wirewatch("feeds", "export", "--config", config)
    assert [f.url for f in parse_opml(exported.stdout.encode())] == [private_server.url("/f.xml")]
    assert len(private_server.requests) == 1
