"""The match and deliver stages count alerts enqueued and sent, and the time from an item's first sight to
Telegram's ok, through the fake Telegram server and an injected clock. The store is a prop: the in-memory
fake of the match and outbox ports (``tests/fakes``, held to the real store's contract by
``tests/contracts``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import telegram
from prometheus_client import generate_latest

from bot.entry.stages import make_pacer
from bot.ops.metrics import Metrics
from bot.pipeline.deliver import AlertSender
from bot.pipeline.match import MatchService
from bot.settings import DeliverySettings
from bot.tg.request import CountingRequest
from bot.tg.transport import TelegramTransport
from feeds.models import ChatKind, FeedState
from tests.fake_telegram import FakeTelegram
from tests.fakes.memory_store import MemoryStore
from tests.fixtures_db import T0, WINDOW, new_item
from tests.scrape import Samples, parse

CHATS = (601, 602, 603)
LATENCY = timedelta(seconds=42)
FAST = DeliverySettings(global_per_second=1000, private_per_second=1000, private_burst=100)


def scrape(metrics: Metrics) -> Samples:
    return parse(generate_latest(metrics.registry).decode())


@pytest.fixture
def store() -> MemoryStore:
    """The stages' store, as a prop (overrides the real ``store`` of ``tests/fixtures_db.py``)."""
    return MemoryStore()


def seed(store: MemoryStore, feed: FeedState) -> None:
    """Three chats subscribed before three solar releases are first seen at T0."""
    for chat_id in CHATS:
        store.touch_chat(chat_id, ChatKind.PRIVATE)
        store.add_subscription(chat_id, "solar", T0 - timedelta(days=1))
    items = [new_item(f"s{n}", title=f"Solar release number {n}") for n in range(3)]
    store.add_items(feed.id, items, WINDOW)


@pytest.mark.parametrize(
    ("blocked", "sent"), [((), 9), ((602,), 6)], ids=["all-delivered", "one-chat-blocked"]
)
async def test_enqueued_sent_and_publish_to_alert(
    store: MemoryStore,
    two_feeds: tuple[FeedState, FeedState],
    fake_telegram: FakeTelegram,
    blocked: tuple[int, ...],
    sent: int,
) -> None:
    metrics = Metrics()
    seed(store, two_feeds[0])
    assert MatchService(store, metrics=metrics).run_once(T0) == 9
    for chat_id in blocked:
        fake_telegram.block(chat_id)
    request = CountingRequest(metrics)
    async with telegram.Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=request) as bot:
        sender = AlertSender(
            store, TelegramTransport(bot), make_pacer(FAST), clock=lambda: T0 + LATENCY, metrics=metrics
        )
        await sender.drain_once()
    got = scrape(metrics)
    assert got[("wirewatch_alerts_enqueued_total", ())] == 9
    assert got[("wirewatch_alerts_sent_total", ())] == sent
    assert got[("wirewatch_publish_to_alert_seconds_count", ())] == sent
    assert got[("wirewatch_publish_to_alert_seconds_sum", ())] == sent * LATENCY.total_seconds()
    assert got[("wirewatch_publish_to_alert_seconds_bucket", (("le", "30.0"),))] == 0
    assert got[("wirewatch_publish_to_alert_seconds_bucket", (("le", "60.0"),))] == sent
    requests = "wirewatch_telegram_requests_total"
    assert got[(requests, (("method", "sendMessage"), ("result", "ok")))] == sent
    assert got.get((requests, (("method", "sendMessage"), ("result", "forbidden"))), 0) == len(blocked)


async def test_a_digest_counts_each_alert_it_carries(
    store: MemoryStore, two_feeds: tuple[FeedState, FeedState], fake_telegram: FakeTelegram
) -> None:
    metrics = Metrics()
    seed(store, two_feeds[0])
    MatchService(store, metrics=metrics).run_once(T0)
    async with telegram.Bot(fake_telegram.token, base_url=fake_telegram.base_url) as bot:
        sender = AlertSender(
            store,
            TelegramTransport(bot),
            make_pacer(FAST),
            group_threshold=2,  # three alerts for a chat: one grouped message
            clock=lambda: T0 + LATENCY,
            metrics=metrics,
        )
        assert await sender.drain_once() == 3  # messages
    got = scrape(metrics)
    assert got[("wirewatch_alerts_sent_total", ())] == 9  # alerts
    assert got[("wirewatch_publish_to_alert_seconds_count", ())] == 9
