"""Trend counts over the full-text index: daily stories and releases, last match, activity."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from feeds.query import Query
from feeds.trends import Activity, DailyCounts
from storage import (
    trend_counts,
)
from storage.db.engine import transaction
from storage.facade.base import StoreBase


class Trends(StoreBase):
    """Stories and releases per local day, last matches, per-subscription activity."""

    def daily_counts(
        self,
        query: Query,
        *,
        first_day: date,
        days: int,
        zone: ZoneInfo,
        releases: bool = True,
        backlog: bool = True,
    ) -> DailyCounts:
        """Stories (wire copies once) and releases matching ``query`` per local day in ``zone``, each on
        its day of publication when plausible (``feeds.trends.count_moment``), else of first sight.

        Candidates come from the full-text index; the matcher checks them unless the index is exact, and
        then the database counts. ``releases=False``: only stories are needed (releases may be left 0).
        ``backlog=False``: leave out what a feed's first poll stored as backlog (spike checks)."""
        with transaction(self._engine, write=False) as conn:
            return trend_counts.daily_counts(
                conn, query, first_day=first_day, days=days, zone=zone, releases=releases, backlog=backlog
            )

    def activity(
        self, queries: Mapping[int, Query], *, now: datetime, zone: ZoneInfo, days: int = 7
    ) -> dict[int, Activity]:
        """Per key (e.g. subscription id): stories per day of the last ``days`` days and the last match."""
        with transaction(self._engine, write=False) as conn:
            return trend_counts.activity(conn, queries, now=now, zone=zone, days=days)
