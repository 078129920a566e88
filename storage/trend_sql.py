"""Daily counts in SQL: stories and releases per local day, grouped by the database (no row per hit).

A local day is found from the UTC epoch of ``first_seen_at`` plus the zone's offset at that instant; the
offset is piecewise constant over the window (``offset_segments``: one piece, or one more per daylight-saving
change), written into the statement as a ``CASE``. ``floor((epoch + offset) / 86400)`` is the local day's
number since 1970-01-01, so days of 23 or 25 hours are bucketed exactly. A story counts on the day of its
earliest matching copy in the window (``min(day)`` per story).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, text

from feeds.search import SearchExpr
from storage.search_sql import fts5_match, pg_tsquery
from storage.types import UTCDateTime

EPOCH = date(1970, 1, 1)
# unixepoch() (SQLite 3.38+) is the cheaper of the two
_SQLITE_EPOCH = (
    "unixepoch({})" if sqlite3.sqlite_version_info >= (3, 38) else "CAST(strftime('%s', {}) AS INTEGER)"
)
DAY_SECONDS = 86_400


def offset_segments(since: datetime, until: datetime, zone: ZoneInfo) -> list[tuple[int, int]]:
    """[(from epoch second, UTC offset in seconds)…] covering ``[since, until)``, first one from ``since``."""

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    segments = [(int(since.timestamp()), offset(since))]
    hour = timedelta(hours=1)
    at = since
    while at < until:
        step = min(at + hour * 6, until)
        if offset(step) != segments[-1][1]:
            low, high = int(at.timestamp()), int(step.timestamp())
            while high - low > 1:  # the first second with the new offset
                middle = (low + high) // 2
                if offset(datetime.fromtimestamp(middle, UTC)) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            segments.append((high, offset(datetime.fromtimestamp(high, UTC))))
        at = step
    return segments


def _local_day(epoch: str, segments: list[tuple[int, int]], postgres: bool) -> str:
    """SQL for the local day number of an epoch-seconds expression (literal integers only)."""
    shift = str(segments[-1][1])
    if len(segments) > 1:
        cases = " ".join(
            f"WHEN {epoch} < {start} THEN {off}"
            for (start, _), (_, off) in zip(segments[1:], segments[:-1], strict=True)
        )
        shift = f"(CASE {cases} ELSE {segments[-1][1]} END)"
    if postgres:
        return f"CAST(floor(({epoch} + {shift}) / {DAY_SECONDS}) AS BIGINT)"
    return f"(({epoch} + {shift}) / {DAY_SECONDS})"


def _hits_sql(postgres: bool, day: str) -> str:
    if postgres:
        return (
            f"SELECT coalesce(i.story_id, i.id) AS story, {day} AS day"
            " FROM item_search s JOIN items i ON i.id = s.item_id"
            " WHERE s.tokens @@ CAST(:query AS tsquery) AND s.item_id BETWEEN :low AND :high"
            " AND s.first_seen_at >= :since AND s.first_seen_at < :until"
        )
    return (
        f"SELECT coalesce(items.story_id, items.id) AS story, {day} AS day"
        " FROM items_fts JOIN items INDEXED BY ix_items_trend ON items.id = items_fts.rowid"
        " WHERE items_fts MATCH :query AND items_fts.rowid BETWEEN :low AND :high"
        " AND items.first_seen_at >= :since AND items.first_seen_at < :until"
    )


def render(include: SearchExpr, exclude: tuple[SearchExpr, ...], postgres: bool) -> str:
    """The index query: ``include`` and none of ``exclude`` (FTS5 ``NOT`` / tsquery ``!``)."""
    if postgres:
        return " & ".join([pg_tsquery(include), *(f"!{pg_tsquery(e)}" for e in exclude)])
    rendered = fts5_match(include)
    for excluded in exclude:
        rendered = f"({rendered} NOT {fts5_match(excluded)})"
    return rendered


def grouped_counts(
    conn: Connection,
    index_query: str,
    bounds: tuple[int, int],
    *,
    first_day: date,
    days: int,
    zone: ZoneInfo,
    since: datetime,
    until: datetime,
    releases: bool = True,
) -> tuple[list[int], list[int]]:
    """(stories per day, releases per day) of the index query's hits first seen in ``[since, until)``;
    without ``releases``, those stay 0."""
    postgres = conn.dialect.name == "postgresql"
    epoch = "extract(epoch from s.first_seen_at)" if postgres else _SQLITE_EPOCH.format("items.first_seen_at")
    day = _local_day(epoch, offset_segments(since, until, zone), postgres)
    if releases:
        sql = (
            f"WITH hits AS ({_hits_sql(postgres, day)})"
            " SELECT 0 AS kind, day, count(*) AS n FROM hits GROUP BY day"
            " UNION ALL SELECT 1 AS kind, first, count(*) FROM"
            " (SELECT min(day) AS first FROM hits GROUP BY story) firsts GROUP BY first"
        )
    else:  # one aggregation less: what /trend, /list and spike checks need
        sql = (
            f"SELECT 1 AS kind, first, count(*) FROM (SELECT story, min(day) AS first FROM"
            f" ({_hits_sql(postgres, day)}) hits GROUP BY story) firsts GROUP BY first"
        )
    params = {"query": index_query, "low": bounds[0], "high": bounds[1], "since": since, "until": until}
    stories, copies = [0] * days, [0] * days
    base = (first_day - EPOCH).days
    stmt = text(sql).bindparams(
        bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())
    )
    for kind, number, count in conn.execute(stmt, params):
        index = int(number) - base
        if 0 <= index < days:
            (stories if kind else copies)[index] += int(count)
    return stories, copies
