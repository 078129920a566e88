"""Alerts reach Telegram with their time in the chat's zone and its abbreviation (issue 26), also on the
night clocks change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import telegram
from telegram.request import HTTPXRequest

from bot.pipeline.deliver import AlertSender
from bot.pipeline.pacing import Pacer
from bot.tg.transport import TelegramTransport
from feeds.models import ChatKind, FeedSpec, NewItem
from storage.store import MatchRecord, Store
from tests.fake_telegram import FakeTelegram

CHAT = 7
SPRING_FORWARD = datetime(2026, 3, 29, tzinfo=UTC)  # Berlin: 02:00 CET becomes 03:00 CEST at 01:00 UTC


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    request = HTTPXRequest(connection_pool_size=4)
    async with telegram.Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=request) as made:
        yield made


def enqueue(store: Store, feed_id: int, sub: int, title: str, published: datetime) -> None:
    item = NewItem(
        identity=title,
        link=f"https://news.example.com/{abs(hash(title))}",
        title=title,
        body=f"{title}. Solar.",
        summary=f"{title}: solar.",
        published_at=published,
        first_seen_at=published + timedelta(minutes=1),
    )
    [stored] = store.add_items(feed_id, [item], timedelta(days=2))
    store.record_matches([stored.id], [MatchRecord(stored.id, sub, CHAT)], published + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        pytest.param(None, ["Mar 29, 00:30 UTC", "Mar 29, 01:30 UTC"], id="default-utc"),
        pytest.param(
            "Europe/Berlin", ["Mar 29, 01:30 CET", "Mar 29, 03:30 CEST"], id="berlin-spring-forward"
        ),
        pytest.param("Asia/Kathmandu", ["Mar 29, 06:15 UTC+05:45", "Mar 29, 07:15 UTC+05:45"], id="offset"),
    ],
)
async def test_alert_time_is_in_the_chats_zone(
    store: Store, bot: telegram.Bot, fake_telegram: FakeTelegram, zone: str | None, expected: list[str]
) -> None:
    (feed,) = store.sync_feeds([FeedSpec("Acme Wire", "https://a.example.com/rss", 300)], SPRING_FORWARD)
    store.touch_chat(CHAT, ChatKind.PRIVATE)
    if zone is not None:
        store.set_timezone(CHAT, ZoneInfo(zone), SPRING_FORWARD)
    sub = store.add_subscription(CHAT, "solar", SPRING_FORWARD).id
    enqueue(store, feed.id, sub, "Solar before the change", SPRING_FORWARD + timedelta(minutes=30))
    enqueue(store, feed.id, sub, "Solar after the change", SPRING_FORWARD + timedelta(minutes=90))
    pacer = Pacer(private_per_second=100, group_per_minute=6000)
    assert await AlertSender(store, TelegramTransport(bot), pacer).drain_once() == 2
    sent = [m.text for m in fake_telegram.messages_to(CHAT, method="sendMessage")]
    assert [stamp in text for stamp, text in zip(expected, sent, strict=True)] == [True, True], sent
