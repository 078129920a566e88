"""The outbox sender end to end: real ``telegram.Bot`` -> fake Telegram server over HTTP. The outbox is a
prop here: the in-memory fake of its port (``tests/fakes``), which ``tests/contracts`` holds to the real
store's contract on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import telegram
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.pipeline.deliver import MAX_PERMANENT_FAILURES, AlertSender
from bot.pipeline.pacing import Pacer
from bot.pipeline.transport import ConsoleTransport, SendResult
from bot.tg.transport import TelegramTransport, classify_error
from feeds.models import ChatKind, FeedSpec, NewItem
from feeds.values import MatchRecord
from tests.fake_telegram import FakeTelegram
from tests.fakes.memory_store import MemoryStore

NOW = datetime.now(UTC).replace(microsecond=0)


# --- seeding the outbox through the store's ports ---------------------------------------------------------
@dataclass
class Outbox:
    """Seeds feeds, chats, subscriptions, items and matches; remembers titles per chat in order."""

    store: MemoryStore
    feed_ids: dict[str, int]
    counter: int = 0

    @classmethod
    def open(cls, store: MemoryStore, feeds: tuple[str, ...] = ("Acme Wire", "Beta Wire")) -> Outbox:
        specs = [FeedSpec(name, f"https://{i}.example.com/rss", 300) for i, name in enumerate(feeds)]
        states = store.sync_feeds(specs, NOW - timedelta(hours=2))
        return cls(store, {state.name: state.id for state in states})

    def chat(self, chat_id: int, kind: ChatKind, query: str = "solar") -> int:
        """A chat with one subscription; returns the subscription id."""
        self.store.touch_chat(chat_id, kind)
        return self.store.add_subscription(chat_id, query, NOW - timedelta(hours=1)).id

    def alerts(self, chat_id: int, subscription_id: int, count: int, feed: str = "Acme Wire") -> list[str]:
        """Enqueue ``count`` new stories for the chat; returns their titles in order."""
        titles = []
        for _ in range(count):
            self.counter += 1
            title = f"Solar story {self.counter} <&>"
            item = self.item(feed, title, f"https://news.example.com/{self.counter}")
            self.store.record_matches([item], [MatchRecord(item, subscription_id, chat_id)], NOW)
            titles.append(title)
        return titles

    def item(self, feed: str, title: str, link: str) -> int:
        new = NewItem(
            identity=link,
            link=link,
            title=title,
            body=f"{title}. The solar plant opened today. It is big.",
            summary=f"{title}: a solar plant opened today.",
            published_at=NOW,
            first_seen_at=NOW,
            title_fingerprint=title,
            body_fingerprint=title,
        )
        [stored] = self.store.add_items(self.feed_ids[feed], [new], timedelta(days=2))
        return stored.id


@pytest.fixture
def store() -> MemoryStore:
    """The outbox the sender works on (overrides the real ``store`` of ``tests/fixtures_db.py``)."""
    return MemoryStore()


@pytest.fixture
def outbox(store: MemoryStore) -> Outbox:
    return Outbox.open(store)


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    async with make_bot(fake_telegram) as real_bot:
        yield real_bot


def make_bot(fake: FakeTelegram) -> telegram.Bot:
    request = HTTPXRequest(connection_pool_size=32, read_timeout=5, connect_timeout=2)
    return telegram.Bot(fake.token, base_url=fake.base_url, request=request)


def make_sender(
    store: MemoryStore, bot: telegram.Bot, pacer: Pacer | None = None, *, fast_retry: bool = False
) -> AlertSender:
    """A sender with a quick pacer (the fake enforces no limits unless asked) or the given one."""
    pacer = pacer or Pacer(private_per_second=100, group_per_minute=6000)
    base, cap = (0.05, 0.2) if fast_retry else (1.0, 300.0)
    return AlertSender(store, TelegramTransport(bot), pacer, retry_base=base, retry_cap=cap)


def texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text for m in fake.messages_to(chat_id, method="sendMessage")]


def contains_in_order(messages: list[str], titles: list[str]) -> bool:
    escaped = [t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for t in titles]
    return len(messages) == len(titles) and all(e in m for e, m in zip(escaped, messages, strict=True))


# --- happy path ------------------------------------------------------------------------------------------
async def test_alerts_arrive_in_order_as_html_without_preview(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    private = outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 3)
    group = outbox.alerts(-8, outbox.chat(-8, ChatKind.GROUP), 2)
    sent = await make_sender(store, bot).drain_once()
    assert sent == 5
    assert contains_in_order(texts(fake_telegram, 7), private)
    assert contains_in_order(texts(fake_telegram, -8), group)
    assert {(m.parse_mode, m.disable_preview) for m in fake_telegram.sent} == {("HTML", True)}
    assert store.count_pending() == 0
    assert await make_sender(store, bot).drain_once() == 0  # nothing is sent twice


async def test_alert_says_also_on_for_a_story_on_several_wires(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    sub = outbox.chat(7, ChatKind.PRIVATE)
    first = outbox.item("Acme Wire", "Solar release", "https://news.example.com/same")
    outbox.item("Beta Wire", "Solar release", "https://news.example.com/same")
    store.record_matches([first], [MatchRecord(first, sub, 7)], NOW)
    await make_sender(store, bot).drain_once()
    [text] = texts(fake_telegram, 7)
    assert "also on: Beta Wire" in text
    assert "matched: <code>solar</code>" in text


async def test_more_than_five_pending_go_as_one_grouped_message(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    titles = outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 7)
    assert await make_sender(store, bot).drain_once() == 1
    [text] = texts(fake_telegram, 7)
    assert text.startswith("<b>7 new alerts</b>")
    assert contains_in_order([text] * 7, titles)
    assert store.count_pending() == 0


@pytest.mark.parametrize(
    ("count", "messages"), [pytest.param(5, 5, id="five-one-by-one"), pytest.param(6, 1, id="six-grouped")]
)
async def test_group_threshold(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
    count: int,
    messages: int,
) -> None:
    outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), count)
    assert await make_sender(store, bot).drain_once() == messages
    assert len(texts(fake_telegram, 7)) == messages


async def test_drain_refills_past_the_batch_size(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    for chat_id in range(1, 11):
        outbox.alerts(chat_id, outbox.chat(chat_id, ChatKind.PRIVATE), 2)
    sender = AlertSender(store, TelegramTransport(bot), Pacer(private_per_second=100), batch_size=3)
    assert await sender.drain_once() == 20
    assert store.count_pending() == 0


async def test_a_chat_waiting_out_its_own_window_leaves_its_place_to_the_next(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    """One place, two groups with two alerts each, 3 s apart per group: while the first group waits for
    its second alert, the second group is claimed and sent (not after the first has finished)."""
    for chat_id in (-1, -2):
        outbox.alerts(chat_id, outbox.chat(chat_id, ChatKind.GROUP), 2)
    pacer = Pacer(group_per_minute=20, chat_margin=0.0)
    sender = AlertSender(store, TelegramTransport(bot), pacer, max_chats=1)
    assert await sender.drain_once() == 4
    assert [m.chat_id for m in fake_telegram.sent] == [-1, -2, -1, -2]


# --- Telegram says no ---------------------------------------------------------------------------------------
async def test_429_waits_retry_after_and_sends_the_same_message_once(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    titles = outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 1)
    fake_telegram.fail_next("sendMessage", code=429, retry_after=1, chat_id=7)
    started = time.monotonic()
    assert await make_sender(store, bot).drain_once() == 1
    assert time.monotonic() - started >= 1.0
    assert contains_in_order(texts(fake_telegram, 7), titles)
    assert [m for m, p in fake_telegram.calls if m.lower() == "sendmessage"] == ["sendMessage"] * 2
    assert store.count_pending() == 0


async def test_a_limited_chat_does_not_hold_back_the_others(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 1)
    outbox.alerts(9, outbox.chat(9, ChatKind.PRIVATE), 2)
    fake_telegram.fail_next("sendMessage", code=429, retry_after=2, chat_id=7)
    assert await make_sender(store, bot).drain_once() == 3
    [slow] = fake_telegram.messages_to(7)
    assert all(fast.at < slow.at - 1.0 for fast in fake_telegram.messages_to(9))


@pytest.mark.parametrize(
    ("block", "description"),
    [
        pytest.param(True, "", id="403-blocked"),
        pytest.param(False, "Bad Request: chat not found", id="400-chat-not-found"),
    ],
)
async def test_gone_chat_is_deactivated_and_its_pending_cancelled(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
    block: bool,
    description: str,
) -> None:
    outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 3)
    others = outbox.alerts(9, outbox.chat(9, ChatKind.PRIVATE), 1)
    if block:
        fake_telegram.block(7)
    else:
        fake_telegram.fail_next("sendMessage", code=400, description=description, chat_id=7)
    assert await make_sender(store, bot).drain_once() == 1
    chat = store.get_chat(7)
    assert chat is not None and not chat.active
    assert store.count_pending(7) == 0
    assert texts(fake_telegram, 7) == []
    assert contains_in_order(texts(fake_telegram, 9), others)
    assert len([c for c in fake_telegram.calls if c[1].get("chat_id") in (7, "7")]) == 1  # nothing more tried


async def test_migrated_group_keeps_subscriptions_and_gets_the_message(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    titles = outbox.alerts(-5, outbox.chat(-5, ChatKind.GROUP), 2)
    fake_telegram.migrate_group(-5, -1005)
    assert await make_sender(store, bot).drain_once() == 2
    assert contains_in_order(texts(fake_telegram, -1005), titles)
    assert [s.query for s in store.list_subscriptions(-1005)] == ["solar"]
    assert store.list_subscriptions(-5) == []
    new_chat = store.get_chat(-1005)
    assert new_chat is not None and new_chat.kind is ChatKind.SUPERGROUP
    assert store.count_pending() == 0


@pytest.mark.parametrize(
    "code", [pytest.param(500, id="500"), pytest.param(502, id="502"), pytest.param(503, id="503")]
)
async def test_5xx_is_retried_with_backoff_and_nothing_lost(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
    code: int,
) -> None:
    titles = outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 2)
    fake_telegram.fail_next("sendMessage", code=code, chat_id=7)
    now = [datetime.now(UTC)]
    sender = AlertSender(
        store,
        TelegramTransport(bot),
        Pacer(private_per_second=100, group_per_minute=6000),
        retry_base=5.0,
        clock=lambda: now[0],
    )
    assert await sender.drain_once() == 0
    assert store.count_pending(7) == 2  # not marked sent: Telegram did not say ok
    assert [a.attempts for a in store.pending_alerts(NOW + timedelta(hours=1), 10)] == [1, 1]
    now[0] += timedelta(seconds=4)
    assert await sender.drain_once() == 0  # backing off: not due yet
    now[0] += timedelta(seconds=6)
    assert await sender.drain_once() == 2
    assert contains_in_order(texts(fake_telegram, 7), titles)


async def test_telegram_down_loses_nothing_and_order_holds(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    first = outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 2)
    sender = make_sender(store, bot, fast_retry=True)
    fake_telegram.set_down(True)
    for _ in range(3):
        assert await sender.drain_once() == 0
        await asyncio.sleep(0.25)
    assert store.count_pending(7) == 2
    second = outbox.alerts(7, store.list_subscriptions(7)[0].id, 1)
    fake_telegram.set_down(False)
    await asyncio.sleep(0.25)
    assert await sender.drain_once() == 3
    assert contains_in_order(texts(fake_telegram, 7), first + second)


async def test_unparseable_html_is_resent_as_plain_text(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    [title] = outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 1)
    fake_telegram.fail_next(
        "sendMessage", code=400, description="Bad Request: can't parse entities: unsupported tag", chat_id=7
    )
    assert await make_sender(store, bot).drain_once() == 1
    [message] = fake_telegram.messages_to(7)
    assert message.parse_mode is None
    assert message.text.startswith(f"{title} <https://news.example.com/1>")
    assert store.count_pending() == 0


async def test_transport_falls_back_for_really_broken_html(
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    result = await TelegramTransport(bot).send_html(7, "<b>unclosed <blink>", plain_text_fallback="unclosed")
    assert result == SendResult(ok=True, used_fallback=True)
    assert [(m.text, m.parse_mode) for m in fake_telegram.messages_to(7)] == [("unclosed", None)]


# --- under the real limits ----------------------------------------------------------------------------------
async def test_a_flood_of_matches_arrives_complete_without_any_429(
    outbox: Outbox,
    store: MemoryStore,
    fake_telegram_limited: FakeTelegram,
) -> None:
    expected: dict[int, list[str]] = {}
    for chat_id in range(100, 150):
        expected[chat_id] = outbox.alerts(chat_id, outbox.chat(chat_id, ChatKind.PRIVATE), 1)
    for chat_id in (7, 8):
        expected[chat_id] = outbox.alerts(chat_id, outbox.chat(chat_id, ChatKind.PRIVATE), 5)
    expected[-9] = outbox.alerts(-9, outbox.chat(-9, ChatKind.GROUP), 2)
    async with make_bot(fake_telegram_limited) as real_bot:
        assert await make_sender(store, real_bot, Pacer()).drain_once() == 50 + 10 + 2
    assert fake_telegram_limited.stats.too_many_requests == 0, fake_telegram_limited.refusals
    for chat_id, titles in expected.items():
        assert contains_in_order(texts(fake_telegram_limited, chat_id), titles), chat_id
    assert store.count_pending() == 0


# --- the loop ----------------------------------------------------------------------------------------------
async def test_run_sends_on_wake_and_stops(
    outbox: Outbox,
    store: MemoryStore,
    bot: telegram.Bot,
    fake_telegram: FakeTelegram,
) -> None:
    sub = outbox.chat(7, ChatKind.PRIVATE)
    sender = make_sender(store, bot)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(sender.run(stop))
    await asyncio.sleep(0.1)
    titles = outbox.alerts(7, sub, 2)
    sender.wake()
    await fake_telegram.wait_for_messages(7, 2, timeout=0.9)  # before the 1 s poll would find them
    stop.set()
    await asyncio.wait_for(loop_task, timeout=5)
    assert contains_in_order(texts(fake_telegram, 7), titles)
    assert store.count_pending() == 0


async def test_console_transport_prints_terminal_text(outbox: Outbox, store: MemoryStore) -> None:
    [title] = outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 1)
    out = io.StringIO()
    sender = AlertSender(store, ConsoleTransport(out, lambda chat: f"alice ({chat})"), Pacer())
    assert await sender.drain_once() == 1
    printed = out.getvalue()
    assert printed.startswith("── to alice (7) ──\n")
    assert f"*{title} <https://news.example.com/1>*" in printed
    assert "<b>" not in printed and "&lt;" not in printed
    assert store.count_pending() == 0


# --- mapping PTB errors (pure) -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(RetryAfter(3), {"retry_after": 3.0}, id="429"),
        pytest.param(ChatMigrated(-1001), {"migrated_to": -1001}, id="migrated"),
        pytest.param(Forbidden("Forbidden: bot was blocked by the user"), {"blocked": True}, id="403"),
        pytest.param(BadRequest("Chat not found"), {"blocked": True}, id="400-chat-not-found"),
        pytest.param(BadRequest("Can't parse entities: x"), {"bad_markup": True}, id="400-markup"),
        pytest.param(BadRequest("Message is too long"), {"bad_markup": True}, id="400-too-long"),
        pytest.param(BadRequest("Something else"), {}, id="400-other-permanent"),
        pytest.param(TimedOut(), {"transient": True}, id="timeout"),
        pytest.param(NetworkError("Bad Gateway"), {"transient": True}, id="5xx"),
        pytest.param(TelegramError("odd"), {}, id="other"),
    ],
)
def test_classify_error(error: TelegramError, expected: dict[str, object]) -> None:
    result = classify_error(error)
    assert not result.ok
    assert result.error
    reasons = {
        "retry_after": result.retry_after,
        "migrated_to": result.migrated_to,
        "blocked": result.blocked or None,
        "transient": result.transient or None,
        "bad_markup": result.bad_markup or None,
    }
    assert {k: v for k, v in reasons.items() if v is not None} == expected


async def test_a_message_telegram_always_refuses_is_given_up(
    outbox: Outbox, store: MemoryStore, bot: telegram.Bot, fake_telegram: FakeTelegram
) -> None:
    chat = outbox.chat(9, ChatKind.PRIVATE)
    outbox.alerts(9, chat, 1)
    refusal = "Bad Request: message can't be sent for a reason retrying won't fix"
    fake_telegram.fail_next(
        "sendMessage", code=400, description=refusal, chat_id=9, times=MAX_PERMANENT_FAILURES
    )
    sender = make_sender(store, bot, fast_retry=True)
    for _ in range(MAX_PERMANENT_FAILURES):
        assert store.count_pending(9) == 1
        await sender.drain_once()
        await asyncio.sleep(0.25)
    assert store.count_pending(9) == 0, "a permanently refused message was retried for ever"
    [later] = outbox.alerts(9, chat, 1)
    assert await sender.drain_once() == 1, "the chat stopped receiving after one bad message"
    assert (
        later.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in texts(fake_telegram, 9)[-1]
    )


# --- nothing twice ------------------------------------------------------------------------------------------
async def test_a_burst_with_grouped_messages_sends_nothing_twice(
    outbox: Outbox,
    store: MemoryStore,
    fake_telegram_limited: FakeTelegram,
) -> None:
    """40 chats, alerts arriving in waves while the loop runs (grouped messages, per-chat pacing): every
    alert arrives exactly once, in order. The old sender filtered a stale read against in-memory sets and
    sent a chat's rows again right after that chat's task had marked them sent."""
    subs = {chat_id: outbox.chat(chat_id, ChatKind.PRIVATE) for chat_id in range(200, 240)}
    expected: dict[int, list[str]] = {chat_id: [] for chat_id in subs}
    async with make_bot(fake_telegram_limited) as real_bot:
        sender = make_sender(store, real_bot, Pacer())
        stop = asyncio.Event()
        loop_task = asyncio.create_task(sender.run(stop))
        for wave in range(3):
            for chat_id, sub in subs.items():
                expected[chat_id] += outbox.alerts(chat_id, sub, 7 if wave != 1 else 2)
            sender.wake()
            await asyncio.sleep(0.4)
        deadline = time.monotonic() + 60
        while store.count_pending() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        stop.set()
        await asyncio.wait_for(loop_task, timeout=15)
    assert store.count_pending() == 0
    for chat_id, titles in expected.items():
        received = "\n".join(texts(fake_telegram_limited, chat_id))
        escaped = [t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for t in titles]
        counts = [received.count(f"{title}<") + received.count(f"{title}\n") for title in escaped]
        assert counts == [1] * len(titles), (chat_id, counts)
        positions = [received.index(title) for title in escaped]
        assert positions == sorted(positions), chat_id
    assert fake_telegram_limited.stats.too_many_requests == 0
