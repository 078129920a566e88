"""The translation cache and budgets on both databases: migration 15 from a version-13 database, the
cache per (item, language), and retention taking the cache with the item."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, inspect, text

from feeds.models import FeedState
from feeds.translation import Translation
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, migrate
from storage.store import Store
from tests.fixtures_db import T0, WINDOW, insert_raw_feed, new_item

Backend = tuple[str, str | None]
HANS = Translation("zh-Hans", "DeepL", "en", "滨州港开港", "港口开放。", "", "")


@pytest.fixture
def engine(backend: Backend) -> Iterator[Engine]:
    made = make_engine(backend[0], schema=backend[1])
    yield made
    made.dispose()


def test_a_version_13_database_is_upgraded(backend: Backend, engine: Engine) -> None:
    url, schema = backend
    assert migrate(engine, MIGRATIONS[:13]) == 13
    at = T0.replace(tzinfo=None) if engine.dialect.name == "sqlite" else T0
    with engine.begin() as conn:
        insert_raw_feed(conn, at)
        conn.execute(
            text(
                "INSERT INTO items (id, feed_id, identity, title, body, summary, published_at,"
                " first_seen_at, title_fingerprint, body_fingerprint)"
                " VALUES (1, 1, 'i1', 't', 'b', 's', :t, :t, 'tf', 'bf')"
            ),
            {"t": at},
        )
    assert migrate(engine) == MIGRATIONS[-1].version  # 15 adds the cache; later steps may follow
    with engine.begin() as conn:
        assert {"translations", "translation_usage"} <= set(inspect(conn).get_table_names())
    store = Store.open(url, schema=schema)
    try:
        item = store.get_item(1)
        assert item is not None and item.language is None  # stored before: unknown
        store.save_translation(1, HANS, T0)
        assert store.cached_translation(1, "zh-Hans") == HANS
    finally:
        store.close()


def test_cache_per_item_and_language(store: Store, two_feeds: tuple[FeedState, FeedState]) -> None:
    (item,) = store.add_items(two_feeds[0].id, [new_item("a")], WINDOW)
    assert store.cached_translation(item.id, "zh-Hans") is None
    store.save_translation(item.id, HANS, T0)
    hant = Translation("zh-Hant", "DeepL", "en", "濱州港開港", "港口開放。", "", "")
    store.save_translation(item.id, hant, T0)
    newer = Translation("zh-Hans", "Google", "en", "新", "新。", "句子", "sentence")
    store.save_translation(item.id, newer, T0)  # replaces
    assert store.cached_translation(item.id, "zh-Hans") == newer
    assert store.cached_translation(item.id, "zh-Hant") == hant


def test_budgets_count_per_day(store: Store) -> None:
    day = T0.date()
    assert store.spend_translation_characters(1, 60, day, daily=100, chat_daily=80)
    assert not store.spend_translation_characters(1, 30, day, daily=100, chat_daily=80)  # chat's
    assert store.spend_translation_characters(2, 40, day, daily=100, chat_daily=80)
    assert not store.spend_translation_characters(3, 1, day, daily=100, chat_daily=80)  # everyone's
    assert store.spend_translation_characters(3, 1, day + timedelta(days=1), daily=100, chat_daily=80)


def test_a_refund_gives_characters_back_never_below_zero(store: Store) -> None:
    day = T0.date()
    assert store.spend_translation_characters(1, 60, day, daily=100, chat_daily=80)
    store.refund_translation_characters(1, 60, day)
    assert store.spend_translation_characters(1, 80, day, daily=100, chat_daily=80)  # the chat's whole budget
    store.refund_translation_characters(1, 500, day)  # more than counted: back to 0, not below
    store.refund_translation_characters(2, 10, day)  # nothing counted that day: nothing changes
    store.refund_translation_characters(1, 10, day - timedelta(days=1))
    assert store.spend_translation_characters(1, 80, day, daily=100, chat_daily=80)
    assert not store.spend_translation_characters(2, 21, day, daily=100, chat_daily=80)  # all chats: 80 + 21
    assert store.spend_translation_characters(2, 20, day, daily=100, chat_daily=80)


def test_retention_takes_the_cache_with_the_item(
    store: Store, two_feeds: tuple[FeedState, FeedState]
) -> None:
    old = T0 - timedelta(days=400)
    (item,) = store.add_items(two_feeds[0].id, [new_item("old", seen=old)], WINDOW)
    store.save_translation(item.id, HANS, old)
    assert store.prune(T0 - timedelta(days=365)).items == 1
    assert store.cached_translation(item.id, "zh-Hans") is None
