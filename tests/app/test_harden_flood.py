"""Availability: one chat flooding the bot neither stalls other chats nor provokes Telegram's 429s."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.chat.flood import FloodGuard, Verdict
from tests.bot_harness import ask, bot_settings, running
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import rss

FLOODER, OTHER, WARMUP = 6001, 6002, 6003
BURST = 40


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verdicts(guard: FloodGuard, clock: Clock, steps: list[tuple[float, int]]) -> list[str]:
    """Advance the clock by each step's seconds, then count the step's number of updates."""
    out = []
    for seconds, count in steps:
        clock.now += seconds
        out.extend(guard.check(1).value for _ in range(count))
    return out


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param([(0, 20)], ["answer"] * 20, id="twenty-at-once-all-answered"),
        pytest.param([(0, 23)], ["answer"] * 20 + ["warn", "ignore", "ignore"], id="21st-warned-ignored"),
        pytest.param([(0, 21), (29, 1)], ["answer"] * 20 + ["warn", "ignore"], id="still-cooling-at-29s"),
        pytest.param([(0, 21), (30, 1)], ["answer"] * 20 + ["warn", "answer"], id="answered-after-cool-down"),
        pytest.param([(0, 15), (10, 15)], ["answer"] * 30, id="window-slides"),
        pytest.param([(0, 15), (9.9, 6)], ["answer"] * 20 + ["warn"], id="inside-the-window"),
    ],
)
def test_flood_guard(steps: list[tuple[float, int]], expected: list[str]) -> None:
    clock = Clock()
    guard = FloodGuard(limit=20, window=10.0, cooldown=30.0, clock=clock)
    assert verdicts(guard, clock, steps) == expected


def test_flood_guard_counts_chats_apart() -> None:
    guard = FloodGuard(limit=2, window=10.0, cooldown=30.0, clock=Clock())
    assert [guard.check(1) for _ in range(3)][-1] is Verdict.WARN
    assert guard.check(2) is Verdict.ANSWER


async def test_a_flooding_chat_does_not_stall_another(
    tmp_path: Path, fake_telegram_limited: FakeTelegram, feed_server: FeedServer
) -> None:
    telegram = fake_telegram_limited
    feed_server.add("/a.xml", rss([]))
    async with running(bot_settings(tmp_path, telegram, feed_server)):
        await ask(telegram, "/help", WARMUP)  # the bot is up and polling
        for _ in range(BURST):
            telegram.user_says(FLOODER, "/help")
        started = time.monotonic()
        answer = await ask(telegram, "/list", OTHER, timeout=2.0)
        waited = time.monotonic() - started
        assert "No subscriptions" in answer
        flooded = await telegram.wait_for_messages(FLOODER, 21, timeout=40)
        await asyncio.sleep(1.5)  # nothing more comes
    flooded = telegram.messages_to(FLOODER)
    texts = [m.text for m in flooded]
    assert waited < 2.0
    assert len(flooded) == 21, texts
    assert all("Wirewatch" in text for text in texts[:20])
    assert sum("too fast" in text for text in texts) == 1 and "too fast" in texts[-1]
    assert telegram.stats.too_many_requests == 0, "a reply provoked a 429"
    print(f"other chat answered in {waited:.2f}s; flooding chat: {len(flooded)} messages, 0 × 429")
