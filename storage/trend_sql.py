"""Daily counts in SQL: stories and releases per local day, grouped by the database (no row per hit).

A local day is found from the UTC epoch of ``counted_at`` (``feeds.trends.count_moment``, whole seconds)
plus the zone's offset at that instant; the offset is piecewise constant over the window
(``offset_segments``: one piece, or one more per daylight-saving change), written into the statement as a
``CASE``. ``(epoch + offset) / 86400`` in integers (the floor, for times after 1970) is the local day's
number since 1970-01-01, so days of 23 or 25 hours are bucketed exactly. A story counts on the day of its
earliest matching copy in the window.

PostgreSQL cannot cost detoasting a ``tsvector``: for a term in most items it would test every row of the
window (~5 µs each: 0.6 s at 100,000 items) where the GIN index lists the same rows for ~0.1 µs each, and no
recheck is needed for plain words. So the plan is set for the statement (``PG_PLAN``): the GIN bitmap only
(the id range is left out, else the primary key would be scanned and every row tested), ``items`` read only
for wire copies (an item with no ``story_id`` is its own story), grouping by sorting in memory.
"""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, text

from feeds.search import SearchExpr
from storage.db.dialect import pg_settings
from storage.db.types import UTCDateTime
from storage.search_sql import fts5_match, pg_tsquery

EPOCH = date(1970, 1, 1)
# unixepoch() (SQLite 3.38+) is the cheaper of the two
_SQLITE_EPOCH = (
    "unixepoch({})" if sqlite3.sqlite_version_info >= (3, 38) else "CAST(strftime('%s', {}) AS INTEGER)"
)
_PG_EPOCH = "CAST(floor(date_part('epoch', {})) AS BIGINT)"  # double, not extract's slower numeric
DAY_SECONDS = 86_400
PG_PLAN = {
    "enable_seqscan": "off",  # item_search: the GIN bitmap, never every row's tsvector
    "enable_indexscan": "off",  # nor a primary key walk doing the same
    "jit": "off",  # a disabled node's cost would make compiling look worth its 30+ ms
    "work_mem": "64MB",  # sort ~90,000 hits in memory, not on disk
}


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


def _local_day(epoch: str, before: str, segments: list[tuple[int, int]]) -> str:
    """SQL for the local day number of an epoch-seconds expression; ``before`` tests ``< {epoch second}``."""
    shift = str(segments[-1][1])
    if len(segments) > 1:
        cases = " ".join(
            f"WHEN {before.format(start)} THEN {off}"
            for (start, _), (_, off) in zip(segments[1:], segments[:-1], strict=True)
        )
        shift = f"(CASE {cases} ELSE {segments[-1][1]} END)"
    return f"(({epoch} + {shift}) / {DAY_SECONDS})"


def _hits_sql(postgres: bool, day: str, backlog: bool) -> str:
    """(story, day) per hit. PostgreSQL joins only the copies in the id range; other hits are stories.
    Without ``backlog``, releases a feed's first poll stored as backlog are left out."""
    if postgres:
        return (
            f"SELECT coalesce(c.story_id, s.item_id) AS story, {day} AS day"
            " FROM item_search s LEFT JOIN items c"
            " ON c.id = s.item_id AND c.story_id IS NOT NULL AND c.id BETWEEN :low AND :high"
            " WHERE s.tokens @@ CAST(:query AS tsquery)"
            " AND s.counted_at >= :since AND s.counted_at < :until"
            + ("" if backlog else " AND NOT s.backlog")
        )
    return (
        f"SELECT coalesce(items.story_id, items.id) AS story, {day} AS day"
        " FROM items_fts JOIN items INDEXED BY ix_items_trend ON items.id = items_fts.rowid"
        " WHERE items_fts MATCH :query AND items_fts.rowid BETWEEN :low AND :high"
        " AND items.counted_at >= :since AND items.counted_at < :until"
        + ("" if backlog else " AND NOT items.backlog")
    )


def _firsts(hits: str, postgres: bool) -> str:
    """Each story's first day (``first``); PostgreSQL sorts (faster than its hash of ~90,000 groups)."""
    if postgres:
        return f"SELECT DISTINCT ON (story) day AS first FROM {hits} ORDER BY story, day"
    return f"SELECT min(day) AS first FROM {hits} GROUP BY story"


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
    backlog: bool = True,
) -> tuple[list[int], list[int]]:
    """(stories per day, releases per day) of the index query's hits counted in ``[since, until)``;
    without ``releases``, those stay 0; without ``backlog``, first-poll backlog is left out."""
    postgres = conn.dialect.name == "postgresql"
    segments = offset_segments(since, until, zone)
    if postgres:
        day = _local_day(_PG_EPOCH.format("s.counted_at"), "s.counted_at < to_timestamp({})", segments)
    else:
        epoch = _SQLITE_EPOCH.format("items.counted_at")
        day = _local_day(epoch, f"{epoch} < {{}}", segments)
    if releases:
        sql = (
            f"WITH hits AS ({_hits_sql(postgres, day, backlog)})"
            " SELECT 0 AS kind, day, count(*) AS n FROM hits GROUP BY day"
            f" UNION ALL SELECT 1 AS kind, first, count(*) FROM ({_firsts('hits', postgres)}) firsts"
            " GROUP BY first"
        )
    else:  # one aggregation less: what /trend, /list and spike checks need
        sql = (
            f"SELECT 1 AS kind, first, count(*) FROM"
            f" ({_firsts(f'({_hits_sql(postgres, day, backlog)}) hits', postgres)}) firsts GROUP BY first"
        )
    params = {"query": index_query, "low": bounds[0], "high": bounds[1], "since": since, "until": until}
    stories, copies = [0] * days, [0] * days
    base = (first_day - EPOCH).days
    stmt = text(sql).bindparams(
        bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())
    )
    with pg_settings(conn, PG_PLAN) if postgres else nullcontext():
        rows = conn.execute(stmt, params).all()
    for kind, number, count in rows:
        index = int(number) - base
        if 0 <= index < days:
            (stories if kind else copies)[index] += int(count)
    return stories, copies
