"""Webhook replays: Telegram sends an update again whenever we did not answer in time, and the load
balancer may hand the second copy to another bot process. Every copy is answered 200; the update runs once.

The webhook servers are real (aiohttp on 127.0.0.1) and claim updates in the real database; "two
processes behind one database" are two servers, each with its own ``Store`` (its own engine and pool) on
the same database — on PostgreSQL, the claim two webhook processes would race for."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.tg.webhook import WebhookServer
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, migrate
from storage.store import Store
from tests.app.test_webhook import CHAT, SECRET, post, runtime_for, serving
from tests.fake_telegram import WEBHOOK_SECRET_HEADER, FakeTelegram
from tests.fixtures_db import T0

HEADERS = {WEBHOOK_SECRET_HEADER: SECRET}


@pytest.fixture
def two_stores(migrated_backend: tuple[str, str | None]) -> Iterator[tuple[Store, Store]]:
    """Two stores on one migrated database, as two processes would open it."""
    url, schema = migrated_backend
    first, second = Store.open(url, schema=schema), Store.open(url, schema=schema)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


async def settled(fake: FakeTelegram, chat_id: int, expected: int) -> int:
    """The messages the chat got, after waiting for ``expected`` and a little longer for any extra."""
    await fake.wait_for_messages(chat_id, expected, timeout=15)
    await asyncio.sleep(0.3)
    return len(fake.messages_to(chat_id))


async def test_the_same_update_three_times_runs_once(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    stop = asyncio.Event()
    async with runtime_for(tmp_path, fake_telegram) as runtime, serving(runtime, fake_telegram, stop) as hook:
        body = json.dumps(fake_telegram.user_update(CHAT, "/help")).encode()
        assert [await post(hook.url, body, HEADERS) for _ in range(3)] == [200, 200, 200]
        assert await settled(fake_telegram, CHAT, 1) == 1, fake_telegram.transcript()
        server = hook.role.server
        assert (server.accepted, server.replayed, server.refused) == (1, 2, 0)


async def test_two_webhook_servers_on_one_database_run_a_resent_update_once(
    tmp_path: Path, fake_telegram: FakeTelegram, two_stores: tuple[Store, Store]
) -> None:
    first_store, second_store = two_stores
    stop = asyncio.Event()
    async with (
        runtime_for(tmp_path, fake_telegram) as runtime,
        serving(runtime, fake_telegram, stop, first_store) as first,
        serving(runtime, fake_telegram, stop, second_store) as second,
    ):
        for round_ in range(5):
            chat = CHAT + round_
            body = json.dumps(fake_telegram.user_update(chat, "/help")).encode()
            statuses = await asyncio.gather(*(post(hook.url, body, HEADERS) for hook in (first, second) * 2))
            assert statuses == [200] * 4
            assert await settled(fake_telegram, chat, 1) == 1, fake_telegram.transcript()
        servers: list[WebhookServer] = [first.role.server, second.role.server]
        assert sum(s.accepted for s in servers) == 5
        assert sum(s.replayed for s in servers) == 15


def test_a_claim_is_kept_a_day_then_forgotten(store: Store) -> None:
    assert store.claim_update(41, T0)
    assert not store.claim_update(41, T0 + timedelta(hours=23))
    assert store.claim_update(42, T0 + timedelta(hours=24, seconds=1))  # prunes 41
    assert store.claim_update(41, T0 + timedelta(hours=24, seconds=2))


def test_a_database_of_the_previous_version_is_upgraded(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    engine = make_engine(url, schema=schema)
    try:
        assert migrate(engine, MIGRATIONS[:13]) == 13
        assert "handled_updates" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    upgraded = Store.open(url, schema=schema)
    try:
        assert upgraded.claim_update(7, T0) and not upgraded.claim_update(7, T0)
    finally:
        upgraded.close()
