"""Daily counts grouped by the database agree with the pure bucketing across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from feeds.models import FeedState, Item
from feeds.query import parse_query
from feeds.search import item_document
from feeds.trends import Hit, count_moment, daily_counts, day_start
from storage import trend_counts
from storage.db.dialect import pg_settings
from storage.db.engine import make_engine
from storage.items_repo import KEEP_ITEMS
from storage.store import Store
from storage.trend_sql import PG_PLAN, offset_segments
from tests.fixtures_db import WINDOW, new_item


def counted(item: Item) -> datetime:
    """When the item counts (the store's rule, with the store's default ``keep_items``)."""
    return count_moment(item.published_at, item.first_seen_at, KEEP_ITEMS)


NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2026, 3, 6, tzinfo=UTC)  # clocks go forward on 2026-03-08, back on 2026-11-01


@pytest.mark.parametrize(
    ("zone", "since", "days", "pieces"),
    [
        pytest.param("UTC", START, 10, 1, id="utc"),
        pytest.param("America/New_York", START, 5, 2, id="spring-forward"),
        pytest.param("America/New_York", datetime(2026, 3, 1, tzinfo=UTC), 300, 3, id="both-changes"),
        pytest.param("Asia/Kolkata", START, 30, 1, id="half-hour-offset"),
    ],
)
def test_offset_pieces(zone: str, since: datetime, days: int, pieces: int) -> None:
    segments = offset_segments(since, since + timedelta(days=days), ZoneInfo(zone))
    assert len(segments) == pieces
    for start, offset in segments:
        at = datetime.fromtimestamp(start, UTC)
        assert at.astimezone(ZoneInfo(zone)).utcoffset() == timedelta(seconds=offset)


@pytest.mark.parametrize("query", ["binzhou", "binzhou -sports", "binzhou OR port"])
def test_grouped_counts_match_the_pure_bucketing_over_a_dst_change(
    store: Store, two_feeds: tuple[FeedState, FeedState], query: str
) -> None:
    hits = []
    for hour in range(0, 96, 3):  # every 3 hours over four days around the change
        seen = START + timedelta(hours=hour, minutes=30)
        title = "Binzhou sports day" if hour % 9 == 0 else f"Binzhou port report {hour}"
        body = f"Binzhou item number {hour}."
        [item] = store.add_items(
            two_feeds[hour % 2].id, [new_item(f"i{hour}", title=title, body=body, seen=seen)], WINDOW
        )
        hits.append(item)
    first = date(2026, 3, 6)
    got = store.daily_counts(parse_query(query), first_day=first, days=5, zone=NEW_YORK)
    parsed = parse_query(query)
    expected = daily_counts(
        [Hit(i.id, i.story_id, counted(i)) for i in hits if parsed.matches(item_document(i))],
        first,
        5,
        NEW_YORK,
    )
    assert got == expected and sum(got.stories) > 0


# (identity, link, body, hours after START): items with one link are one story, its root stored first
STORIES = [
    ("a0", "http://x/a", "Storm keeps boats in.", -20),  # root before the window: its copy counts inside
    ("a1", "http://x/a", "Storm keeps the ferry in.", 8),
    ("b0", "http://x/b", "No ferry ran today.", 40),  # root and copy match: once, on the root's day
    ("b1", "http://x/b", "The ferry union met.", 60),  # after clocks go forward
    ("c0", "http://x/c", "Council passed the budget.", 50),  # only the copy matches
    ("c1", "http://x/c", "Council passed the ferry budget.", 70),
    ("d0", "http://x/d", "The ferry timetable changes.", 75),  # the root is seen after its copy
    ("d1", "http://x/d", "The ferry timetable is out.", 44),
    ("e0", "http://x/e", "A ferry on its own.", 30),
]


@pytest.fixture
def stories(store: Store, two_feeds: tuple[FeedState, FeedState]) -> list[Item]:
    stored = []
    for n, (identity, link, body, hours) in enumerate(STORIES):
        seen = START + timedelta(hours=hours)
        title = f"Harbor wire {link[-1]}"  # "harbor": a term in every item
        release = new_item(identity, title=title, body=body, link=link, seen=seen)
        stored += store.add_items(two_feeds[n % 2].id, [release], WINDOW)
    return stored


@pytest.mark.parametrize("releases", [True, False], ids=["releases", "stories-only"])
@pytest.mark.parametrize("query", ["harbor", "ferry", "ferry -union", "storm OR council", "harbor -ferry"])
def test_wire_copies_count_once_on_their_first_matching_day(
    store: Store, stories: list[Item], query: str, releases: bool
) -> None:
    assert sum(item.story_id != item.id for item in stories) == 4  # a1, b1, c1, d1 are copies
    parsed, first = parse_query(query), date(2026, 3, 6)
    since, until = day_start(first, NEW_YORK), day_start(first + timedelta(days=5), NEW_YORK)
    hits = [
        Hit(i.id, i.story_id, counted(i))
        for i in stories
        if since <= counted(i) < until and parsed.matches(item_document(i))
    ]
    expected = daily_counts(hits, first, 5, NEW_YORK)
    got = store.daily_counts(parsed, first_day=first, days=5, zone=NEW_YORK, releases=releases)
    assert got.stories == expected.stories and sum(got.stories) > 0
    assert got.releases == (expected.releases if releases else (0,) * 5)


def test_postgres_counts_read_the_gin_index_and_leave_the_settings_as_they_were(
    backend: tuple[str, str | None], stories: list[Item]
) -> None:
    """Not every row's tsvector (the planner's pick for a term in most items); the transaction's later
    statements plan with its own settings."""
    url, schema = backend
    if schema is None:
        pytest.skip("PostgreSQL only")
    engine = make_engine(url, schema=schema)
    statements: list[tuple[str, Any]] = []
    names = ", ".join(f"current_setting('{name}')" for name in PG_PLAN)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE items, item_search")  # the planner sees "harbor" in every row
            conn.exec_driver_sql("SET LOCAL work_mem = '5MB'")
            before = conn.execute(text(f"SELECT {names}")).one()
            event.listen(conn, "before_cursor_execute", lambda *args: statements.append((args[2], args[3])))
            trend_counts.daily_counts(
                conn, parse_query("harbor"), first_day=date(2026, 3, 6), days=5, zone=NEW_YORK
            )
            assert conn.execute(text(f"SELECT {names}")).one() == before
            [(sql, params)] = [(sql, params) for sql, params in statements if "item_search" in sql]
            with pg_settings(conn, PG_PLAN):
                plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}", params))
    finally:
        engine.dispose()
    assert "Bitmap Index Scan on ix_item_search_tokens" in plan and "Seq Scan" not in plan
