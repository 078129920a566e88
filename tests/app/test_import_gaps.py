"""/import's smaller gaps, through python-telegram-bot and the fake Telegram: the download is capped
whatever size Telegram tells (missing, understated), a failed download gets an answer and a log line;
and, in the chat service, /import obeys ``telegram.max_feeds_per_chat``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.chat.context import ChatContext
from bot.chat.feed_commands import FeedCommands, FeedRules
from bot.chat.replies import FileTooLarge
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from bot.settings import DatabaseSettings, Settings, TelegramSettings
from bot.tg.downloads import read_capped
from feeds.guard import UrlPolicy
from feeds.models import ChatKind, FeedOrigin
from feeds.opml import MAX_BYTES, OpmlFeed, export_opml
from storage.store import Store
from tests.e2e_helpers import USER, running
from tests.fake_telegram import FakeTelegram

NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
TOO_LARGE = "too large for an OPML list"


def opml(count: int, pad: int = 0) -> bytes:
    feeds = [OpmlFeed(f"Wire {n}", f"https://wire{n}.example/feed.xml") for n in range(count)]
    document = export_opml(feeds, now=NOW)
    return document.replace(b"</opml>", b"<!--" + b"x" * pad + b"--></opml>") if pad else document


def settings(tmp_path: Path, fake: FakeTelegram) -> Settings:
    return Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'import.db'}"),
        telegram=TelegramSettings(token=fake.token, api_base_url=fake.base_url, admins=frozenset({USER})),
    )


async def import_reply(fake: FakeTelegram, document: int) -> str:
    sent = len(fake.messages_to(USER, method="sendMessage"))
    fake.user_says(USER, "/import", reply_to=document)
    replies = await fake.wait_for_messages(USER, sent + 1, timeout=15, method="sendMessage")
    return replies[-1].text


@pytest.mark.parametrize(
    "reported", [None, 1000, "true"], ids=["size missing", "size understated", "size told"]
)
async def test_a_large_file_is_refused_whatever_size_telegram_tells(
    tmp_path: Path, fake_telegram: FakeTelegram, reported: int | str | None
) -> None:
    big = opml(2, pad=MAX_BYTES + 10_000)
    async with running(settings(tmp_path, fake_telegram)):
        document = fake_telegram.user_sends_document(USER, big, "big.opml", reported_size=reported)  # type: ignore[arg-type]
        assert TOO_LARGE in await import_reply(fake_telegram, document)
        small = fake_telegram.user_sends_document(USER, opml(2), "small.opml", reported_size=None)
        assert "2 added" in await import_reply(fake_telegram, small)


async def test_a_failed_download_is_answered_and_logged(
    tmp_path: Path, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running(settings(tmp_path, fake_telegram)):
        document = fake_telegram.user_sends_document(USER, opml(2), "feeds.opml")
        fake_telegram.fail_next(
            "getFile", code=400, description="Bad Request: file is temporarily unavailable"
        )
        answer = await import_reply(fake_telegram, document)
        assert answer == "I couldn't get that file from Telegram. Send it again and reply /import to it."
        assert "2 added" in await import_reply(fake_telegram, document)  # sent again: it works
    [line] = [r.getMessage() for r in caplog.records if "document_download_failed" in r.getMessage()]
    assert line == f"document_download_failed chat={USER} error=BadRequest"
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot.", "feeds.", "storage."))]
    assert not [message for message in ours if fake_telegram.token in message]


async def test_import_obeys_the_feeds_per_chat_limit(store: Store) -> None:
    rules = FeedRules(adders="admins", max_per_chat=3, interval_seconds=600)
    feeds = FeedCommands(store, None, UrlPolicy(), rules, frozenset({42}))
    service = ChatService(store, MatchService(store), admins=frozenset({42}), feeds=feeds)
    store.add_feed(
        "Mine", "https://mine.example/feed.xml", 600, origin=FeedOrigin.CHAT, now=NOW, added_by_chat=1
    )
    data = opml(8)

    async def replied() -> bytes:
        return data

    ctx = ChatContext(1, ChatKind.PRIVATE, user_id=42, replied_document=replied)
    report = (await service.handle(ctx, "import", "")).html
    assert "2 added" in report and "6 refused" in report, report
    assert report.count("this chat has added as many feeds as it may") == 6
    assert store.count_feeds_added_by(1) == 3
    console = ChatContext(2, ChatKind.CONSOLE, user_id=None, replied_document=replied)
    assert "0 refused" in (await service.handle(console, "import", "")).html  # the operator has no cap


async def test_the_download_stops_at_the_cap_of_an_endless_file() -> None:
    """A file server that never stops sending: the read ends just past the cap (without the cap it would
    never end and the test would time out)."""
    sent = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()
        await response.prepare(request)
        chunk = b"x" * 65536
        with contextlib.suppress(ConnectionError):
            while True:
                await response.write(chunk)
                sent += len(chunk)
        return response

    app = web.Application()
    app.router.add_get("/file/botT/documents/endless.opml", endless)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with pytest.raises(FileTooLarge):
            await asyncio.wait_for(
                read_capped(f"http://127.0.0.1:{port}/file/botT/documents/endless.opml", MAX_BYTES), 10
            )
    finally:
        await runner.cleanup()
    assert sent < 8 * MAX_BYTES
