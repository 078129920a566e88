"""Untrusted fetches through the real Fetcher and the guard, against loopback only.

The test policy admits 127.0.0.1 (the feed server) and, like any loopback address, refuses 127.0.0.2 (a
"private" server that must never be reached). Names resolve through ``LoopbackResolver``: loopback answers
only, so nothing here can reach beyond 127.0.0.0/8 even if the guard were broken.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from feeds.fetch import Fetcher, FetchLimits
from feeds.guard import UrlPolicy
from tests.feed_server import FeedServer
from tests.fixtures_feeds import feed_bytes
from tests.loopback_resolver import LoopbackResolver

FEED = feed_bytes("rss2_wires.xml")
LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=1.0, total_timeout=3.0)
ADMIT_FEED_SERVER = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture
def private_server() -> Iterator[FeedServer]:
    """A server on 127.0.0.2, which the test policy treats as a private address."""
    with FeedServer(host="127.0.0.2") as server:
        server.add("/secret.xml", FEED)
        yield server


@pytest.fixture
def resolver(feed_server: FeedServer, private_server: FeedServer) -> LoopbackResolver:
    return LoopbackResolver({"public.test": ["127.0.0.1"], "internal.test": ["127.0.0.2"]})


def policy_for(*servers: FeedServer, allow_private: bool = False) -> UrlPolicy:
    ports = frozenset(int(s.base_url.rsplit(":", 1)[1]) for s in servers)
    return UrlPolicy(allowed_ports=ports, allow_private_networks=allow_private, admit=ADMIT_FEED_SERVER)


@pytest.fixture
async def fetcher(
    feed_server: FeedServer, private_server: FeedServer, resolver: LoopbackResolver
) -> AsyncIterator[Fetcher]:
    async with Fetcher(LIMITS, policy=policy_for(feed_server, private_server), resolver=resolver) as f:
        yield f


def port(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


async def test_admitted_name_is_fetched(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/f.xml", FEED)
    result = await fetcher.fetch(f"http://public.test:{port(feed_server)}/f.xml", untrusted=True)
    assert (result.status, result.body) == ("ok", FEED)


async def test_name_resolving_to_a_private_address_is_refused(
    private_server: FeedServer, fetcher: Fetcher, resolver: LoopbackResolver, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="feeds.guard"):
        result = await fetcher.fetch(
            f"http://internal.test:{port(private_server)}/secret.xml", untrusted=True
        )
    assert (result.status, result.error, result.body) == ("refused", "refused: private address", b"")
    assert resolver.lookups == ["internal.test"]
    assert private_server.requests == []
    assert "host=internal.test address=127.0.0.2" in caplog.text


async def test_literal_private_address_is_refused(private_server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(private_server.url("/secret.xml"), untrusted=True)
    assert (result.status, result.error) == ("refused", "refused: private address")
    assert private_server.requests == []


async def test_name_with_one_private_answer_among_others_is_refused(
    private_server: FeedServer, fetcher: Fetcher, resolver: LoopbackResolver
) -> None:
    resolver.set("rebind.test", "127.0.0.1", "127.0.0.2")
    result = await fetcher.fetch(f"http://rebind.test:{port(private_server)}/secret.xml", untrusted=True)
    assert result.status == "refused"
    assert private_server.requests == []


@pytest.mark.parametrize("target", ["internal.test", "127.0.0.2", "0x7f.0.0.2"])
async def test_redirect_to_a_private_address_is_refused(
    feed_server: FeedServer, private_server: FeedServer, fetcher: Fetcher, target: str
) -> None:
    feed_server.redirect("/go", f"http://{target}:{port(private_server)}/secret.xml", 302)
    result = await fetcher.fetch(f"http://public.test:{port(feed_server)}/go", untrusted=True)
    assert (result.status, result.error) == ("refused", "refused: private address")
    assert [r.path for r in feed_server.requests] == ["/go"]
    assert private_server.requests == []


@pytest.mark.parametrize("untrusted", [True, False], ids=["untrusted", "trusted"])
async def test_redirect_to_file_is_never_followed(
    feed_server: FeedServer, fetcher: Fetcher, untrusted: bool
) -> None:
    feed_server.redirect("/go", "file:///etc/passwd", 302)
    result = await fetcher.fetch(feed_server.url("/go"), untrusted=untrusted)
    expected = ("refused", "refused: scheme not allowed") if untrusted else ("error", "unsupported URL")
    assert result.status == expected[0]
    assert result.error is not None and result.error.startswith(expected[1])
    assert result.body == b""


async def test_port_outside_the_allowed_ones_is_refused(
    feed_server: FeedServer, resolver: LoopbackResolver
) -> None:
    feed_server.add("/f.xml", FEED)
    async with Fetcher(LIMITS, policy=UrlPolicy(admit=ADMIT_FEED_SERVER), resolver=resolver) as fetcher:
        result = await fetcher.fetch(feed_server.url("/f.xml"), untrusted=True)
    assert (result.status, result.error) == ("refused", "refused: port not allowed")
    assert feed_server.requests == []


async def test_allow_private_networks_admits_the_private_server(
    feed_server: FeedServer, private_server: FeedServer, resolver: LoopbackResolver
) -> None:
    policy = policy_for(feed_server, private_server, allow_private=True)
    feed_server.redirect("/go", f"http://internal.test:{port(private_server)}/secret.xml", 302)
    async with Fetcher(LIMITS, policy=policy, resolver=resolver) as fetcher:
        direct = await fetcher.fetch(
            f"http://internal.test:{port(private_server)}/secret.xml", untrusted=True
        )
        redirected = await fetcher.fetch(feed_server.url("/go"), untrusted=True)
        scheme = await fetcher.fetch("file:///etc/passwd", untrusted=True)
    assert (direct.status, direct.body) == ("ok", FEED)
    assert (redirected.status, redirected.body) == ("ok", FEED)
    assert (scheme.status, scheme.error) == ("refused", "refused: scheme not allowed")


async def test_trusted_fetch_skips_the_guard(private_server: FeedServer, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(private_server.url("/secret.xml"))
    assert (result.status, result.body) == ("ok", FEED)


async def test_loopback_resolver_never_answers_outside_loopback() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        LoopbackResolver({"evil.test": ["10.0.0.1"]})
    result_error = None
    async with Fetcher(
        LIMITS, policy=UrlPolicy(allow_private_networks=True), resolver=LoopbackResolver()
    ) as f:
        result_error = (await f.fetch("http://unknown.test/feed", untrusted=True)).error
    assert result_error is not None and "unknown test host" in result_error
