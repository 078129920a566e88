"""The database's own form of the search tokens (``Store.index_lexemes``), made in the parse worker:
PostgreSQL stores the worker's tsvector literal as it is, SQLite wants none; items stored either way are
found."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import text

from bot.chat.recent import RecentSearch
from feeds.models import FeedSpec
from feeds.pipeline import parse_and_normalize
from feeds.query import parse_query
from storage.search_sql import pg_tsvector
from storage.store import Store
from tests.fixtures_db import T0, WINDOW, new_item
from tests.fixtures_feeds import feed_bytes


def test_postgresql_wants_the_tsvector_literal_and_sqlite_nothing(store: Store) -> None:
    assert store.index_lexemes is (pg_tsvector if store.dialect == "postgresql" else None)


def test_items_parsed_for_the_store_are_found(store: Store) -> None:
    (feed,) = store.sync_feeds([FeedSpec("wire", "http://127.0.0.1/wire.xml", 300)], T0)
    items = parse_and_normalize(feed_bytes("rss2_wires.xml"), {}, feed.url, T0, store.index_lexemes)
    assert all(bool(item.search_lexemes) is (store.dialect == "postgresql") for item in items)
    store.add_items(feed.id, items, WINDOW)
    found = RecentSearch(store).find(parse_query("aluminum"), T0 - timedelta(days=1), 10)
    expected = {item.title for item in items if "aluminum" in f"{item.title} {item.body}".lower()}
    assert expected and {item.title for item in found} == expected


def test_the_index_holds_what_the_worker_made(store: Store) -> None:
    """The store thread does not build the literal again: what the worker sent is what PostgreSQL indexes
    (SQLite indexes the tokens themselves)."""
    (feed,) = store.sync_feeds([FeedSpec("wire", "http://127.0.0.1/wire.xml", 300)], T0)
    item = replace(new_item("a", title="Solar ferry", body=""), search_tokens="solar ferry")
    store.add_items(feed.id, [replace(item, search_lexemes="'marker':1")], WINDOW)
    postgres = store.dialect == "postgresql"
    query = "SELECT tokens::text FROM item_search" if postgres else "SELECT tokens FROM item_tokens"
    with store._engine.connect() as conn:
        assert conn.execute(text(query)).scalar_one() == ("'marker':1" if postgres else "solar ferry")
