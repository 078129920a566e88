"""Imports refuse per outline: a URL that cannot be parsed is one refused line with the reason, the rest of
the file is imported, through ``/import`` (the chat service) and ``wirewatch feeds import`` (the CLI)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.chat.feed_commands import FeedCommands, FeedRules
from bot.chat.service import ChatContext, ChatService
from bot.pipeline.match import MatchService
from feeds.guard import GuardRefused, UrlPolicy
from feeds.models import ChatKind
from storage.store import Store
from tests.e2e.test_cli import wirewatch

ADMIN = ChatContext(1002, ChatKind.PRIVATE, user_id=42)
GOOD = ["https://wire.example/a.xml", "https://news.example/b.xml"]
UNPARSABLE = {
    "bracketed-ipv4": "http://[127.0.0.2]/x",
    "unclosed-bracket": "http://[::1/x",
    "bad-ipv6": "http://[1:2:3]/x",
    "ipvfuture": "http://[v1.x]/x",
    "space-in-host": "http://exa mple.com/x",
    "percent-in-host": "http://%zz/x",
    "control-in-host": "http://a\u0001b.example/x",
    "zero-width-in-host": "http://a\u200bb.example/x",
    "port-too-big": "http://wire.example:99999/x",
    "port-not-a-number": "http://wire.example:abc/x",
    "numeric-no-address": "http://1.2.3.4.5/x",
}
REASON = {
    "port-too-big": "invalid port",
    "port-not-a-number": "invalid port",
    "numeric-no-address": "invalid address",
}


@pytest.mark.parametrize("url", UNPARSABLE.values(), ids=UNPARSABLE.keys())
def test_an_unparsable_url_is_refused_with_a_reason(url: str) -> None:
    with pytest.raises(GuardRefused) as refused:
        UrlPolicy().check_url(url)
    key = next(k for k, v in UNPARSABLE.items() if v == url)
    assert refused.value.reason == REASON.get(key, "invalid URL")


def opml(urls: list[str]) -> bytes:
    outlines = "".join(
        f'<outline text="f{n}" xmlUrl="{u.replace("&", "&amp;")}"/>' for n, u in enumerate(urls)
    )
    return f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>'.encode()


def mixed() -> list[str]:
    """Bad outlines between and around the good ones (control characters are not XML: left out)."""
    bad = [u for u in UNPARSABLE.values() if "\u0001" not in u]
    return [bad[0], GOOD[0], *bad[1:], GOOD[1]]


async def test_chat_import_refuses_each_bad_outline_and_adds_the_rest(store: Store) -> None:
    feeds = FeedCommands(store, None, UrlPolicy(), FeedRules(), frozenset({42}))
    service = ChatService(store, MatchService(store), admins=frozenset({42}), feeds=feeds)
    urls = mixed()

    async def document() -> bytes:
        return opml(urls)

    reply = await service.handle(replace(ADMIN, replied_document=document), "import", "")
    html = reply.html
    assert "went wrong" not in html
    assert f"2 added, 0 already present, {len(urls) - 2} refused." in html
    assert "✗ http://[127.0.0.2]/x: refused: not a valid link" in html
    assert "✗ http://wire.example:99999/x: refused: invalid port" in html
    assert sorted(f.url for f in store.list_feeds()) == sorted(GOOD)


@pytest.mark.slow  # the CLI in a subprocess
def test_cli_import_refuses_each_bad_outline_and_adds_the_rest(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "c.db"}"\n')
    urls = mixed()
    path = tmp_path / "mixed.opml"
    path.write_bytes(opml(urls))
    done = wirewatch("feeds", "import", str(path), "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""
    assert "✗ http://[127.0.0.2]/x: refused: not a valid link" in done.stdout
    assert f"2 added, 0 already present, {len(urls) - 2} refused." in done.stdout
    assert done.stdout.count("added as") == 2
