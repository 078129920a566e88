"""``telegram.allowed_chats`` on every path that sends to a chat: each path is run for two chats with work
waiting, one of them removed from the list; only the other gets anything, and the removed chat's work is
cancelled (never sent later). Real store on both databases; the transport records what reached it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.chat.allowed import NOT_ALLOWED, AllowedChats
from bot.chat.spike_alert import SpikeRenderer
from bot.pipeline.deliver import AlertSender
from bot.pipeline.feed_pauses import PauseNotices
from bot.pipeline.pacing import Pacer
from bot.pipeline.spike_sender import SpikeSender
from bot.pipeline.transport import SENT, SendResult
from feeds.models import ChatKind, FeedOrigin, FeedSpec
from storage.store import MatchRecord, Store
from tests.fixtures_db import WINDOW, new_item

KEPT, REMOVED = 7001, 7002
ALLOWED = AllowedChats(frozenset({KEPT}))
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Recorder:
    """The transport: keeps the chat of every message and photo that reached it."""

    def __init__(self) -> None:
        self.chats: list[int] = []

    async def send_html(
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None, buttons: object = ()
    ) -> SendResult:
        self.chats.append(chat_id)
        await asyncio.sleep(0)
        return SENT

    async def send_photo(self, chat_id: int, photo: bytes, filename: str, caption_html: str) -> SendResult:
        self.chats.append(chat_id)
        return SENT


def fast_pacer() -> Pacer:
    return Pacer(global_per_second=1000, private_per_second=1000, private_burst=100, group_per_minute=1000)


def alerts_waiting(store: Store, per_chat: int, *, digest: bool = False) -> None:
    """``per_chat`` matched releases for each chat (held for an 08:00 digest when ``digest``)."""
    [feed] = store.sync_feeds([FeedSpec("wire", "http://127.0.0.1/w.xml", 60)], NOW - timedelta(days=30))
    for chat in (KEPT, REMOVED):
        store.touch_chat(chat, ChatKind.PRIVATE)
        sub = store.add_subscription(chat, "solar", NOW - timedelta(days=30)).id
        if digest:
            store.set_chat_digest(chat, (time(8, 0),), NOW - timedelta(days=1))
        for n in range(per_chat):
            seen = NOW - timedelta(days=1, minutes=n)
            key = f"{chat}-{n}"
            item = new_item(key, title=f"Solar {key}", body=f"Solar body {key} " * 4, seen=seen)
            (stored,) = store.add_items(feed.id, [item], WINDOW)
            store.record_matches([stored.id], [MatchRecord(stored.id, sub, chat)], seen)


async def alert_path(store: Store, per_chat: int, digest: bool = False) -> Recorder:
    alerts_waiting(store, per_chat, digest=digest)
    out = Recorder()
    sender = AlertSender(
        store, out, fast_pacer(), allowed_chats=ALLOWED, clock=lambda: NOW, group_threshold=5
    )
    await sender.drain_once()
    assert await sender.drain_once() == 0  # nothing of the removed chat is left to send later
    assert store.pending_alerts(NOW + timedelta(days=2), 100) == []
    return out


async def instant_alerts(store: Store) -> Recorder:
    return await alert_path(store, 1)


async def grouped_messages(store: Store) -> Recorder:
    out = await alert_path(store, 7)
    assert out.chats == [KEPT], "seven alerts go as one grouped message"
    return out


async def digests(store: Store) -> Recorder:
    return await alert_path(store, 3, digest=True)


async def spike_alerts(store: Store) -> Recorder:
    for chat in (KEPT, REMOVED):
        store.touch_chat(chat, ChatKind.PRIVATE)
        sub = store.add_subscription(chat, "solar", NOW - timedelta(days=30))
        store.set_spike_alerts(chat, sub.id, True)
        assert store.enqueue_spike(sub.id, NOW.date(), 9, 1.0, NOW)
    out = Recorder()
    sender = SpikeSender(
        store, out, fast_pacer(), SpikeRenderer(store), allowed_chats=ALLOWED, clock=lambda: NOW
    )
    await sender.drain_once()
    assert await sender.drain_once() == 0
    assert store.claim_spikes("other", NOW + timedelta(minutes=5), NOW + timedelta(days=1)) == []
    return out


async def pause_notices(store: Store) -> Recorder:
    for chat in (KEPT, REMOVED):
        store.touch_chat(chat, ChatKind.PRIVATE)
        feed = store.add_feed(
            f"Gone {chat}",
            f"http://127.0.0.1/{chat}.xml",
            60,
            origin=FeedOrigin.CHAT,
            now=NOW,
            added_by_chat=chat,
        )
        store.record_fetch_failure(feed.id, at=NOW, error="HTTP 500", next_poll_at=NOW + timedelta(minutes=1))
    out = Recorder()
    notices = PauseNotices(store, out, kinds=(ChatKind.PRIVATE,), allowed_chats=ALLOWED)
    await notices.run(NOW + timedelta(days=8))
    await notices.run(NOW + timedelta(days=9))
    assert store.untold_paused_feeds() == []
    return out


PATHS: list[tuple[str, Callable[[Store], Awaitable[Recorder]]]] = [
    ("instant alerts", instant_alerts),
    ("grouped messages", grouped_messages),
    ("digests", digests),
    ("spike alerts", spike_alerts),
    ("pause notices", pause_notices),
]


@pytest.mark.parametrize("path", [p[1] for p in PATHS], ids=[p[0] for p in PATHS])
async def test_a_chat_removed_from_the_list_gets_nothing(
    store: Store, path: Callable[[Store], Awaitable[Recorder]]
) -> None:
    out = await path(store)
    assert KEPT in out.chats, "the chat still on the list is served"
    assert REMOVED not in out.chats


def test_the_check_itself() -> None:
    assert AllowedChats().allows(REMOVED), "an empty list allows every chat"
    assert ALLOWED.allows(KEPT) and not ALLOWED.allows(REMOVED)
    assert AllowedChats.of([KEPT]) == ALLOWED and AllowedChats.of(ALLOWED) is ALLOWED
    assert NOT_ALLOWED == "chat not in telegram.allowed_chats"
