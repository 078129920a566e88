"""Volume control through the deliver stage with a fake clock: digests, quiet hours, mutes, DST days,
restarts, and two senders on one database (one digest per slot).

The outbox is a prop where one sender works on it: the in-memory fake (``tests/fakes``, held to the real
store's contract by ``tests/contracts``). A restart and two senders on one database run on the real store,
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.pipeline.deliver import AlertSender
from bot.pipeline.pacing import Pacer
from bot.pipeline.transport import SENT, SendResult
from feeds.models import ChatKind, FeedSpec, FeedState
from feeds.values import MatchRecord
from feeds.volume import QuietWindow, local_instant
from storage.store import Store
from tests.fakes.memory_store import MemoryStore
from tests.fixtures_db import T0, WINDOW, new_item

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
CHAT = 10
CREATED = T0 - timedelta(days=400)
Feeds = tuple[FeedState, FeedState]
AnyStore = MemoryStore | Store


class Clock:
    """The pipeline's injected time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Recorder:
    """A transport that keeps what was sent (the deliver stage's boundary; nothing of ours is faked)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.at: list[datetime] = []
        self._clock = clock

    async def send_html(
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None, buttons: object = ()
    ) -> SendResult:
        self.sent.append((chat_id, html))
        if self._clock is not None:
            self.at.append(self._clock())
        await asyncio.sleep(0)
        return SENT


def local(zone: ZoneInfo, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


@pytest.fixture
def store() -> MemoryStore:
    """One sender's outbox, as a prop (overrides the real ``store`` of ``tests/fixtures_db.py``)."""
    return MemoryStore()


@pytest.fixture
def real_store(migrated_backend: tuple[str, str | None]) -> Iterator[Store]:
    """The real store on each database, for what only a database shows (two senders at once)."""
    url, schema = migrated_backend
    opened = Store.open(url, schema=schema)
    try:
        yield opened
    finally:
        opened.close()


def sender(store: AnyStore, transport: Recorder, clock: Clock, owner: str = "w1") -> AlertSender:
    return AlertSender(store, transport, Pacer(global_per_second=1000), owner=owner, clock=clock)


def chat_with_sub(store: AnyStore, chat_id: int = CHAT, query: str = "solar") -> int:
    store.touch_chat(chat_id, ChatKind.PRIVATE)
    return store.add_subscription(chat_id, query, CREATED).id


def arrive(store: AnyStore, feed: FeedState, sub: int, at: datetime, chat_id: int = CHAT) -> None:
    """A release first seen at ``at``, matched by the match stage at that moment."""
    key = f"{chat_id}-{at.isoformat()}"
    item = new_item(key, title=f"Solar {key}", body=f"Solar body {key} " * 4, seen=at)
    (stored,) = store.add_items(feed.id, [item], WINDOW)
    store.record_matches([stored.id], [MatchRecord(stored.id, sub, chat_id)], at)


async def drain_at(s: AlertSender, clock: Clock, at: datetime) -> int:
    clock.now = at
    return await s.drain_once()


def stories(html: str) -> int:
    return html.count("• Solar ")


async def test_shanghai_digest_at_eight(store: MemoryStore, two_feeds: Feeds) -> None:
    """Items at 07:10, 07:50 and 08:10: one digest at 08:00 with two stories, the third in the next one."""
    sub = chat_with_sub(store)
    store.set_timezone(CHAT, SHANGHAI, T0)
    store.set_chat_digest(CHAT, (time(8),), T0)
    for at in ("07:10", "07:50", "08:10"):
        arrive(store, two_feeds[0], sub, local(SHANGHAI, f"2026-05-05 {at}"))
    out, clock = Recorder(), Clock(T0)
    s = sender(store, out, clock)
    assert await drain_at(s, clock, local(SHANGHAI, "2026-05-05 07:59")) == 0
    assert await drain_at(s, clock, local(SHANGHAI, "2026-05-05 08:00")) == 1
    [(chat_id, digest)] = out.sent
    assert chat_id == CHAT and "Digest 08:00 (Asia/Shanghai) · 2 stories" in digest
    assert stories(digest) == 2 and "· 08:10" not in digest
    assert digest.index("· 07:50") < digest.index("· 07:10"), "newest first"
    assert await drain_at(s, clock, local(SHANGHAI, "2026-05-05 12:00")) == 0
    assert await drain_at(s, clock, local(SHANGHAI, "2026-05-06 08:00")) == 1
    assert "1 story" in out.sent[1][1] and "May 5, 08:10" in out.sent[1][1] and stories(out.sent[1][1]) == 1
    assert store.count_pending(CHAT) == 0


async def test_digest_in_the_chat_language(store: MemoryStore, two_feeds: Feeds) -> None:
    sub = chat_with_sub(store)
    store.set_chat_language(CHAT, "zh-Hant")
    store.set_timezone(CHAT, SHANGHAI, T0)
    store.set_chat_digest(CHAT, (time(8),), T0)
    arrive(store, two_feeds[0], sub, local(SHANGHAI, "2026-05-05 07:10"))
    out, clock = Recorder(), Clock(T0)
    assert await drain_at(sender(store, out, clock), clock, local(SHANGHAI, "2026-05-05 08:00")) == 1
    assert "摘要 08:00（Asia/Shanghai）· 1 則報導" in out.sent[0][1]


async def test_quiet_hours_across_midnight(store: MemoryStore, two_feeds: Feeds) -> None:
    sub = chat_with_sub(store)
    store.set_timezone(CHAT, SHANGHAI, T0)
    store.set_quiet(CHAT, QuietWindow(time(22), time(7)), T0)
    out, clock = Recorder(), Clock(T0)
    s = sender(store, out, clock)
    arrive(store, two_feeds[0], sub, local(SHANGHAI, "2026-05-04 21:30"))
    assert await drain_at(s, clock, local(SHANGHAI, "2026-05-04 21:30")) == 1, "before the window: instant"
    for at in ("2026-05-04 22:00", "2026-05-04 23:59", "2026-05-05 03:00"):
        arrive(store, two_feeds[0], sub, local(SHANGHAI, at))
        assert await drain_at(s, clock, local(SHANGHAI, at)) == 0, at
    assert await drain_at(s, clock, local(SHANGHAI, "2026-05-05 06:59")) == 0
    assert await drain_at(s, clock, local(SHANGHAI, "2026-05-05 07:00")) == 3, "held, not dropped"
    assert store.count_pending(CHAT) == 0


async def test_restart_during_quiet_hours_keeps_the_hold(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    first = Store.open(url, schema=schema)
    (feed,) = first.sync_feeds([FeedSpec("alpha", "http://127.0.0.1/alpha.xml", 300)], T0)
    sub = chat_with_sub(first)
    first.set_timezone(CHAT, BERLIN, T0)
    first.set_quiet(CHAT, QuietWindow(time(22), time(7)), T0)
    arrive(first, feed, sub, local(BERLIN, "2026-05-04 23:00"))
    out, clock = Recorder(), Clock(T0)
    assert await drain_at(sender(first, out, clock, "before"), clock, local(BERLIN, "2026-05-05 01:00")) == 0
    first.close()
    second = Store.open(url, schema=schema)
    try:
        again = sender(second, out, clock, "after")
        assert await drain_at(again, clock, local(BERLIN, "2026-05-05 02:00")) == 0, "restart released it"
        assert await drain_at(again, clock, local(BERLIN, "2026-05-05 07:00")) == 1
    finally:
        second.close()


async def test_mute_expiry(store: MemoryStore, two_feeds: Feeds) -> None:
    sub = chat_with_sub(store)
    out, clock = Recorder(), Clock(T0)
    s = sender(store, out, clock)
    store.set_mute(CHAT, sub, T0 + timedelta(hours=8), T0)
    arrive(store, two_feeds[0], sub, T0 + timedelta(hours=7, minutes=59))
    assert await drain_at(s, clock, T0 + timedelta(hours=8)) == 0
    assert store.count_pending(CHAT) == 0, "a muted match is not queued"
    arrive(store, two_feeds[0], sub, T0 + timedelta(hours=8))
    assert await drain_at(s, clock, T0 + timedelta(hours=8)) == 1, "the mute is over"


@pytest.mark.parametrize(
    ("day", "at"),
    [
        ("2026-03-29", time(2, 30)),  # clocks go forward 02:00 -> 03:00: 02:30 does not exist
        ("2026-03-29", time(8)),
        ("2026-10-25", time(2, 30)),  # clocks go back 03:00 -> 02:00: 02:30 happens twice
        ("2026-10-25", time(8)),
    ],
    ids=["spring-gap", "spring-morning", "autumn-repeat", "autumn-morning"],
)
async def test_berlin_dst_days_one_digest_each_day(
    store: MemoryStore, two_feeds: Feeds, day: str, at: time
) -> None:
    """A release every hour for three days around the change; a pass every 30 minutes: one digest a day."""
    sub = chat_with_sub(store)
    store.set_timezone(CHAT, BERLIN, T0)
    store.set_chat_digest(CHAT, (at,), T0)
    start = local(BERLIN, f"{day} 00:00") - timedelta(days=1)
    clock = Clock(start)
    out = Recorder(clock)
    s = sender(store, out, clock)
    now = start
    while now < start + timedelta(days=3):
        if now.minute == 0:
            arrive(store, two_feeds[0], sub, now + timedelta(minutes=1))
        await drain_at(s, clock, now)
        now += timedelta(minutes=30)
    days = [datetime.fromisoformat(day).date() + timedelta(days=n) for n in (-1, 0, 1)]
    assert out.at == [local_instant(d, at, BERLIN) for d in days], "one digest a day, on time"
    assert [sent_at.astimezone(BERLIN).date() for sent_at in out.at] == days


async def test_two_senders_one_digest_per_slot(real_store: Store) -> None:
    """Two deliver processes on one database, both passing at the slot: each chat's digest goes once."""
    store = real_store
    two_feeds = store.sync_feeds(
        [
            FeedSpec("alpha", "http://127.0.0.1/alpha.xml", 300),
            FeedSpec("beta", "http://127.0.0.1/beta.xml", 600),
        ],
        T0,
    )
    chats = list(range(100, 120))
    subs = {chat_id: chat_with_sub(store, chat_id) for chat_id in chats}
    for chat_id in chats:
        store.set_timezone(chat_id, SHANGHAI, T0)
        store.set_chat_digest(chat_id, (time(8),), T0)
        for minute in (10, 20, 30):
            arrive(
                store,
                two_feeds[minute % 2],
                subs[chat_id],
                local(SHANGHAI, f"2026-05-05 07:{minute}"),
                chat_id,
            )
    out, clock = Recorder(), Clock(local(SHANGHAI, "2026-05-05 08:00"))
    one, two = sender(store, out, clock, "w1"), sender(store, out, clock, "w2")
    sent = await asyncio.gather(one.drain_once(), two.drain_once(), one.drain_once(), two.drain_once())
    assert sum(sent) == len(chats)
    assert sorted(chat_id for chat_id, _ in out.sent) == chats
    assert all("3 stories" in html for _, html in out.sent)
    assert store.count_pending() == 0
    assert store.pending_alerts(clock.now + timedelta(days=9), 10) == []


async def test_console_transport_prints_buttons() -> None:
    from bot.chat.replies import Button
    from bot.pipeline.transport import ConsoleTransport

    out = io.StringIO()
    await ConsoleTransport(out).send_html(1, "<b>hi</b>", buttons=((Button("Mute", "m:1"),),))
    assert "*hi*" in out.getvalue() and "[Mute]" in out.getvalue()
