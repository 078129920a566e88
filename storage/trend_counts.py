"""Daily counts of a query from the full-text index (never a scan of the items table).

Candidates come from the same index and expression as ``/recent`` (``feeds.search.candidate_expr``); when
the expression is exact for the query (``candidates_are_exact``: ANDs and ORs of plain words and CJK keys)
the index answer is the count, else every candidate's text is checked by the matcher. The time range is also
turned into an item id range (ids grow with insertion, and a release counted at or after ``since`` was first
seen at most ``feeds.trends.COUNT_SKEW`` before it, so the smallest id first seen since then bounds them),
which lets SQLite's FTS5 seek by rowid and bounds the rows PostgreSQL reads (its plan for exact counts:
``trend_sql``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Boolean, Connection, bindparam, column, func, select, text

from feeds import trends
from feeds.query import Query
from feeds.search import candidate_expr, candidates_are_exact, exact_split, item_document, text_document
from feeds.trends import COUNT_SKEW, Activity, DailyCounts, Hit, day_start, period
from storage import search_index, trend_sql
from storage.db.convert import story_of
from storage.db.dialect import chunks
from storage.db.tables import feeds, items
from storage.db.types import UTCDateTime
from storage.search_sql import fts5_match, pg_tsquery, simplify

_RESULT = (
    column("item_id", BigInteger),
    column("story", BigInteger),
    column("counted", UTCDateTime()),
    column("backlog", Boolean),
)
_TIMES = (bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime()))
_SQLITE_HITS = (
    text(
        "SELECT items.id AS item_id, coalesce(items.story_id, items.id) AS story,"
        " items.counted_at AS counted, items.backlog AS backlog FROM items_fts"
        " JOIN items INDEXED BY ix_items_trend ON items.id = items_fts.rowid"
        " WHERE items_fts MATCH :query AND items_fts.rowid BETWEEN :low AND :high"
        " AND items.counted_at >= :since AND items.counted_at < :until"
    )
    .bindparams(*_TIMES)
    .columns(*_RESULT)
)
_PG_HITS = (
    text(
        "SELECT s.item_id AS item_id, coalesce(i.story_id, i.id) AS story, s.counted_at AS counted,"
        " s.backlog AS backlog FROM item_search s JOIN items i ON i.id = s.item_id"
        " WHERE s.tokens @@ CAST(:query AS tsquery) AND s.item_id BETWEEN :low AND :high"
        " AND s.counted_at >= :since AND s.counted_at < :until"
    )
    .bindparams(*_TIMES)
    .columns(*_RESULT)
)
CHECK_BATCH = 500
NEWEST_BATCH = 200


def matching_hits(conn: Connection, query: Query, *, since: datetime, until: datetime) -> list[Hit]:
    """Every release counted in ``[since, until)`` that the query matches, as (item, story, time, backlog)."""
    bounds = id_range(conn, since, until)
    if bounds is None:
        return []
    expr = candidate_expr(query)
    simple = True if expr is None else simplify(expr)
    if simple is False:
        return []
    exact = candidates_are_exact(query) and simple is not True
    if simple is True:
        return _checked(conn, query, _time_filtered(conn, since, until))
    rendered = pg_tsquery(simple) if conn.dialect.name == "postgresql" else fts5_match(simple)
    sql = _PG_HITS if conn.dialect.name == "postgresql" else _SQLITE_HITS
    params = {"query": rendered, "low": bounds[0], "high": bounds[1], "since": since, "until": until}
    hits = [Hit(row.item_id, row.story, row.counted, bool(row.backlog)) for row in conn.execute(sql, params)]
    if exact:
        return hits
    return _checked(conn, query, [hit.item_id for hit in hits])


def id_range(conn: Connection, since: datetime, until: datetime) -> tuple[int, int] | None:
    """Bounds of the ids of items that may count in ``[since, until)`` (every item first seen from
    ``COUNT_SKEW`` before ``since`` on); None when there are none."""
    row = conn.execute(
        select(func.min(items.c.id), func.max(items.c.id)).where(items.c.first_seen_at >= since - COUNT_SKEW)
    ).one()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def _time_filtered(conn: Connection, since: datetime, until: datetime) -> list[int]:
    window = (items.c.counted_at >= since) & (items.c.counted_at < until)
    bounds = id_range(conn, since, until)
    if bounds is None:
        return []
    return list(conn.execute(select(items.c.id).where(window, items.c.id >= bounds[0])).scalars())


_CHECK_COLUMNS = select(
    items.c.id,
    items.c.title,
    items.c.body,
    items.c.dateline_place,
    feeds.c.name,
    story_of.label("story"),
    items.c.counted_at,
    items.c.backlog,
).join_from(items, feeds, items.c.feed_id == feeds.c.id)


def _checked(conn: Connection, query: Query, ids: list[int]) -> list[Hit]:
    """The candidates (by id) whose text the matcher accepts (only the columns it reads are fetched)."""
    hits: list[Hit] = []
    for part in chunks(sorted(ids), CHECK_BATCH):
        for row in conn.execute(_CHECK_COLUMNS.where(items.c.id.in_(part))):
            if query.matches(text_document(row.title, row.body, row.dateline_place, row.name)):
                hits.append(Hit(row.id, row.story, row.counted_at, bool(row.backlog)))
    return hits


def newest_match(conn: Connection, query: Query, *, since: datetime) -> datetime | None:
    """When the newest match first seen at or after ``since`` was first seen; None: none.

    Newest by id, as /recent (ids are given in the order items are first seen)."""
    candidates = candidate_expr(query)
    before_id: int | None = None
    while True:
        batch = search_index.recent(
            conn, since=since, limit=NEWEST_BATCH, candidates=candidates, before_id=before_id
        )
        for item in batch:
            if query.matches(item_document(item)):
                return item.first_seen_at
        if len(batch) < NEWEST_BATCH:
            return None
        before_id = batch[-1].id


def daily_counts(
    conn: Connection,
    query: Query,
    *,
    first_day: date,
    days: int,
    zone: ZoneInfo,
    releases: bool = True,
    backlog: bool = True,
) -> DailyCounts:
    """Stories and releases matching the query per local day, ``first_day`` onwards, each on the day of
    its ``counted_at`` (without ``releases``, the database may skip counting those: they are then 0;
    without ``backlog``, releases a first poll stored as backlog are left out).

    When the index answers the query exactly (``feeds.search.exact_split``: words, CJK keys, and
    exclusions of them), the database groups the hits by story and day (``trend_sql``); otherwise every
    candidate is checked by the matcher and bucketed here."""
    since = day_start(first_day, zone)
    until = day_start(first_day + timedelta(days=days), zone)
    split = exact_split(query)
    if split is not None:
        include, exclude = simplify(split[0]), [simplify(e) for e in split[1]]
        bounds = id_range(conn, since, until)
        if bounds is None or include is False or True in exclude:
            return DailyCounts(first_day, (0,) * days, (0,) * days)
        if include is not True:
            kept = tuple(e for e in exclude if not isinstance(e, bool))
            rendered = trend_sql.render(include, kept, conn.dialect.name == "postgresql")
            stories, copies = trend_sql.grouped_counts(
                conn,
                rendered,
                bounds,
                first_day=first_day,
                days=days,
                zone=zone,
                since=since,
                until=until,
                releases=releases,
                backlog=backlog,
            )
            return DailyCounts(first_day, tuple(stories), tuple(copies))
    hits = matching_hits(conn, query, since=since, until=until)
    return trends.daily_counts([h for h in hits if backlog or not h.backlog], first_day, days, zone)


def activity(
    conn: Connection, queries: Mapping[int, Query], *, now: datetime, zone: ZoneInfo, days: int = 7
) -> dict[int, Activity]:
    """For each key: story counts of the last ``days`` local days and the last match within a year."""
    first_day, _, _ = period(now, days, zone)
    found: dict[int, Activity] = {}
    for key, query in queries.items():
        counts = daily_counts(conn, query, first_day=first_day, days=days, zone=zone, releases=False)
        last = newest_match(conn, query, since=now - LAST_MATCH_HORIZON)
        found[key] = Activity(counts.stories, last)
    return found


LAST_MATCH_HORIZON = timedelta(days=365)
