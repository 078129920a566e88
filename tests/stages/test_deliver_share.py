"""Deliver workers sharing one bot token: a sender joining live senders waits until they have learnt of it
(each renews its heartbeat every ``HEARTBEAT_SECONDS``), so the budget is never overdrawn; alone, it
sends at once. The outbox and the heartbeats are the in-memory fake's (as in ``test_sender``)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.pipeline.deliver import HEARTBEAT_SECONDS, AlertSender
from bot.pipeline.pacing import Pacer
from bot.tg.transport import TelegramTransport
from feeds.models import ChatKind
from tests.fake_telegram import FakeTelegram
from tests.fakes.memory_store import MemoryStore
from tests.stages.test_sender import Outbox, make_bot, store  # noqa: F401 — fixtures


@pytest.mark.parametrize(
    ("others", "earliest", "share"),
    [
        pytest.param(0, 0.0, 28.0, id="alone-sends-at-once"),
        pytest.param(1, 1.5 * HEARTBEAT_SECONDS, 14.0, id="joining-waits-for-the-others"),
    ],
)
async def test_a_joining_sender_waits_until_the_others_know(
    store: MemoryStore,  # noqa: F811
    fake_telegram: FakeTelegram,
    others: int,
    earliest: float,
    share: float,
) -> None:
    outbox = Outbox.open(store)
    outbox.alerts(7, outbox.chat(7, ChatKind.PRIVATE), 1)
    for n in range(others):  # another deliver process, alive
        store.worker_heartbeat(f"other-{n}", "deliver", datetime.now(UTC), timedelta(seconds=30))
    pacer = Pacer(global_per_second=28, private_per_second=100)
    async with make_bot(fake_telegram) as bot:
        sender = AlertSender(store, TelegramTransport(bot), pacer, lease_seconds=30)
        stop = asyncio.Event()
        started = time.monotonic()
        task = asyncio.create_task(sender.run(stop))
        await fake_telegram.wait_for_messages(7, 1, timeout=10)
        took = time.monotonic() - started
        stop.set()
        await asyncio.wait_for(task, 10)
    assert took >= earliest
    assert took < earliest + 1.5 * HEARTBEAT_SECONDS  # alone: sooner than any grace would allow
    assert abs(1 / pacer._global.interval - share) < 1e-6


async def test_a_sender_renews_its_heartbeat_every_refresh(
    store: MemoryStore,  # noqa: F811
    fake_telegram: FakeTelegram,
) -> None:
    """A second sender's heartbeat is seen by the first within one refresh: its share halves."""
    pacer = Pacer(global_per_second=28)
    async with make_bot(fake_telegram) as bot:
        sender = AlertSender(store, TelegramTransport(bot), pacer, lease_seconds=30)
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(0.3)
        assert abs(1 / pacer._global.interval - 28) < 1e-6
        store.worker_heartbeat("newcomer", "deliver", datetime.now(UTC), timedelta(seconds=30))
        await asyncio.sleep(HEARTBEAT_SECONDS + 0.3)
        stop.set()
        await asyncio.wait_for(task, 10)
    assert abs(1 / pacer._global.interval - 14) < 1e-6
