"""Spike alerts end to end: the match stage checks as matches come in (injected clock), the spike outbox
holds the alert, and the sender uploads the chart to the fake Telegram server — exactly once a day."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import telegram
from PIL import Image
from telegram.request import HTTPXRequest

from bot.chat.spike_alert import SpikeRenderer
from bot.pipeline.match import MatchService
from bot.pipeline.pacing import Pacer
from bot.pipeline.spike_sender import SpikeSender
from bot.pipeline.spikes import SpikeWatch
from bot.tg.transport import TelegramTransport
from feeds.models import ChatKind, FeedSpec, FeedState, Subscription
from feeds.query import parse_query
from storage.store import Store
from tests.fake_telegram import FakeTelegram
from tests.fixtures_db import WINDOW, new_item

CHAT = 7001
DAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the burst day (UTC, the default zone)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    request = HTTPXRequest(connection_pool_size=4)
    async with telegram.Bot(fake_telegram.token, base_url=fake_telegram.base_url, request=request) as bot:
        yield bot


def watched(store: Store, query: str = "Binzhou") -> Subscription:
    store.touch_chat(CHAT, ChatKind.PRIVATE)
    sub = store.add_subscription(CHAT, query, DAY - timedelta(days=30))
    assert store.set_spike_alerts(CHAT, sub.id, True) is not None
    return sub


def publish(
    store: Store,
    feed: FeedState,
    name: str,
    at: datetime,
    *,
    history: bool = False,
    published: datetime | None = None,
) -> None:
    """One Binzhou story first seen ``at``, published then unless told (history: by the feed's first poll)."""
    item = new_item(
        name, title=f"Binzhou news {name}", body=f"Binzhou {name} report.", link=f"http://x/{name}"
    )
    fields = {**_fields(item), "first_seen_at": at, "published_at": published or at}
    store.add_items(feed.id, [item.__class__(**fields)], WINDOW, first_poll=history)


def _fields(item: object) -> dict[str, object]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}  # type: ignore[attr-defined]


def pipeline(store: Store, bot: telegram.Bot, clock: Clock) -> tuple[MatchService, SpikeSender]:
    sender = SpikeSender(
        store,
        TelegramTransport(bot),
        Pacer(global_per_second=100, private_per_second=100, private_burst=10, group_per_minute=100),
        SpikeRenderer(store),
        clock=clock,
        retry_base=1.0,
    )
    return MatchService(store, spikes=SpikeWatch(store)), sender


async def test_a_burst_day_alerts_exactly_once_with_the_chart(
    store: Store, two_feeds: tuple[FeedState, FeedState], bot: telegram.Bot, fake_telegram: FakeTelegram
) -> None:
    feed = two_feeds[0]
    watched(store)
    for day in range(1, 8):  # one story a day for the week before: mean 1, no spread
        publish(store, feed, f"h{day}", DAY - timedelta(days=day), history=True)
    clock = Clock(DAY)
    matcher, sender = pipeline(store, bot, clock)
    sent_per_story = []
    for n in range(1, 7):  # stories arrive one by one over the burst day
        clock.at = DAY + timedelta(minutes=10 * n)
        publish(store, feed, f"b{n}", clock.at)
        matcher.run_once(clock.at)
        sent_per_story.append(await sender.drain_once())
    assert sent_per_story == [0, 0, 1, 0, 0, 0], "the alert follows the third story (the first over the line)"
    [photo] = fake_telegram.files
    assert photo.chat_id == CHAT and photo.method == "sendPhoto"
    assert photo.caption.startswith("Unusual volume for Binzhou: 3 stories today (7-day average 1.0)")
    assert photo.data.startswith(b"\x89PNG\r\n\x1a\n") and len(photo.data) < 200_000
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.size == (1200, 600)

    clock.at = DAY + timedelta(days=1, hours=1)  # the next day: a new burst may alert again
    for n in range(1, 8):
        publish(store, feed, f"c{n}", clock.at + timedelta(minutes=n))
    matcher.run_once(clock.at + timedelta(minutes=8))
    assert await sender.drain_once() == 1
    assert len(fake_telegram.files) == 2


async def test_a_quiet_week_with_steady_stories_never_alerts(
    store: Store, two_feeds: tuple[FeedState, FeedState], bot: telegram.Bot, fake_telegram: FakeTelegram
) -> None:
    feed = two_feeds[0]
    watched(store)
    for day in range(1, 8):
        for n in range(3):
            publish(store, feed, f"h{day}-{n}", DAY - timedelta(days=day, minutes=n), history=True)
    matcher, sender = pipeline(store, bot, Clock(DAY))
    for n in range(3):
        publish(store, feed, f"t{n}", DAY + timedelta(minutes=n))
    matcher.run_once(DAY + timedelta(minutes=5))
    assert await sender.drain_once() == 0 and fake_telegram.files == []


async def test_a_new_feeds_backlog_never_fires_a_spike(
    store: Store, two_feeds: tuple[FeedState, FeedState], bot: telegram.Bot, fake_telegram: FakeTelegram
) -> None:
    """A feed added at noon brings 10 Binzhou stories of this morning (its backlog); the next new story
    matches and the check runs: today counts 1 story, not 11, so nothing fires."""
    watched(store)
    noon = DAY + timedelta(hours=3)
    (feed,) = store.sync_feeds([FeedSpec("gamma", "http://127.0.0.1/gamma.xml", 300)], noon)
    for n in range(10):
        publish(
            store,
            feed,
            f"m{n}",
            noon + timedelta(minutes=1),
            history=True,
            published=DAY + timedelta(minutes=n),
        )
    matcher, sender = pipeline(store, bot, Clock(noon))
    publish(store, feed, "fresh", noon + timedelta(minutes=20))
    assert (
        matcher.run_once(noon + timedelta(minutes=21)) == 1
    )  # the new story's alert, nothing of the backlog
    assert await sender.drain_once() == 0 and fake_telegram.files == []
    today = store.daily_counts(parse_query("Binzhou"), first_day=DAY.date(), days=1, zone=UTC)
    assert today.stories == (11,), "the backlog still counts in /trend, on its day of publication"


async def test_a_failed_upload_is_retried_and_sent_once(
    store: Store, two_feeds: tuple[FeedState, FeedState], bot: telegram.Bot, fake_telegram: FakeTelegram
) -> None:
    feed = two_feeds[0]
    sub = watched(store)
    store.set_timezone(CHAT, ZoneInfo("Asia/Shanghai"), DAY)
    clock = Clock(DAY)
    matcher, sender = pipeline(store, bot, clock)
    for n in range(4):  # nothing the week before: 4 stories today is a spike
        publish(store, feed, f"b{n}", DAY + timedelta(minutes=n))
    fake_telegram.fail_next("sendPhoto", code=502, description="Bad Gateway")
    matcher.run_once(DAY + timedelta(minutes=5))
    assert await sender.drain_once() == 0 and fake_telegram.files == []
    assert await sender.drain_once() == 0, "retried before its backoff"
    clock.at = DAY + timedelta(minutes=5)
    assert await sender.drain_once() == 1
    assert await sender.drain_once() == 0
    [photo] = fake_telegram.files
    assert "4 stories today (7-day average 0.0)" in photo.caption and "Asia/Shanghai" in photo.caption
    [again] = [s for s in store.list_subscriptions(CHAT) if s.id == sub.id]
    assert again.last_spike_on == DAY.astimezone(ZoneInfo("Asia/Shanghai")).date()
