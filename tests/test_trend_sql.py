"""Daily counts grouped by the database agree with the pure bucketing across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feeds.models import FeedState
from feeds.query import parse_query
from feeds.search import item_document
from feeds.trends import Hit, daily_counts
from storage.store import Store
from storage.trend_sql import offset_segments
from tests.fixtures_db import WINDOW, new_item

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
        [Hit(i.id, i.story_id, i.first_seen_at) for i in hits if parsed.matches(item_document(i))],
        first,
        5,
        NEW_YORK,
    )
    assert got == expected and sum(got.stories) > 0
