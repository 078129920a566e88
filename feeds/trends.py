"""Numbers behind /trend, /test, /list sparklines and spike alerts: pure functions over matching items.

Days are calendar days in a time zone (``zoneinfo``): a day runs from local midnight to the next local
midnight, so a daylight-saving day lasts 23 or 25 hours and is neither skipped nor doubled. Counts are of
*stories* (a release carried by several wires is one story, counted on the day of its first matching copy)
and, for /test, of *releases* (every matching copy). Days with nothing, and days before the first stored
item, count as zero.

A release counts on its day of publication when the feed's date is plausible, else on the day we first saw
it (``count_moment``, computed once when the release is stored): a new feed's backlog of last week lands on
last week, not today. Releases of a feed's first poll that were not news then (``backlog``) never count
towards a spike.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SPARKS = "▁▂▃▄▅▆▇█"
AVERAGE_DAYS = 7
SPIKE_SIGMAS = 2.0
SPIKE_MINIMUM = 3
COUNT_SKEW = timedelta(minutes=10)
"""How far past first sight a feed's date may lie and still be believed for counting (clock skew)."""


def count_moment(published_at: datetime, first_seen_at: datetime, keep_items: timedelta) -> datetime:
    """When a release counts: its publication when plausible (not after first sight by more than
    ``COUNT_SKEW``, not before it by more than ``keep_items``), else its first sight."""
    plausible = first_seen_at - keep_items <= published_at <= first_seen_at + COUNT_SKEW
    return published_at if plausible else first_seen_at


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching release: its story and the moment it counts at (``count_moment``, aware UTC);
    ``backlog``: stored by its feed's first poll without being news then."""

    item_id: int
    story_id: int
    counted_at: datetime
    backlog: bool = False


@dataclass(frozen=True, slots=True)
class DailyCounts:
    """Stories and releases per local day, ``first_day`` onwards, one entry per day."""

    first_day: date
    stories: tuple[int, ...]
    releases: tuple[int, ...]

    @property
    def days(self) -> list[date]:
        """The calendar day of each entry."""
        return [self.first_day + timedelta(days=n) for n in range(len(self.stories))]


@dataclass(frozen=True, slots=True)
class Activity:
    """A subscription at a glance (/list): stories per day of the last days, and its newest match."""

    counts: tuple[int, ...]
    last_match_at: datetime | None


@dataclass(frozen=True, slots=True)
class Trend:
    """What a /trend chart and caption show for the last ``len(counts)`` days."""

    first_day: date
    counts: tuple[int, ...]
    average: tuple[float, ...]
    spikes: tuple[date, ...]
    total: int
    previous_total: int
    peak: tuple[date, int] | None

    @property
    def days(self) -> list[date]:
        """The calendar day of each count."""
        return [self.first_day + timedelta(days=n) for n in range(len(self.counts))]

    @property
    def change(self) -> float | None:
        """Relative change of the total against the previous period (0.5 = +50 %); None if that was 0."""
        return percent_change(self.total, self.previous_total)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of an aware moment in ``zone``."""
    return moment.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of ``day`` in ``zone``, as aware UTC (the first instant of that day)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period(now: datetime, days: int, zone: ZoneInfo) -> tuple[date, datetime, datetime]:
    """The last ``days`` local days up to and including today: (first day, start UTC, end UTC)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    today = local_day(now, zone)
    first = today - timedelta(days=days - 1)
    return first, day_start(first, zone), day_start(today + timedelta(days=1), zone)


def story_hits(hits: Iterable[Hit]) -> list[Hit]:
    """One hit per story: its earliest matching release (by the moment it counts at, then id)."""
    first: dict[int, Hit] = {}
    for hit in hits:
        known = first.get(hit.story_id)
        if known is None or (hit.counted_at, hit.item_id) < (known.counted_at, known.item_id):
            first[hit.story_id] = hit
    return sorted(first.values(), key=lambda h: (h.counted_at, h.item_id))


def bucket(moments: Iterable[datetime], first_day: date, days: int, zone: ZoneInfo) -> tuple[int, ...]:
    """How many moments fall on each local day from ``first_day`` for ``days`` days (others ignored)."""
    counts = [0] * days
    for moment in moments:
        index = (local_day(moment, zone) - first_day).days
        if 0 <= index < days:
            counts[index] += 1
    return tuple(counts)


def daily_counts(hits: Iterable[Hit], first_day: date, days: int, zone: ZoneInfo) -> DailyCounts:
    """Stories (collapsed wire copies) and releases per local day."""
    hits = list(hits)
    stories = bucket((h.counted_at for h in story_hits(hits)), first_day, days, zone)
    releases = bucket((h.counted_at for h in hits), first_day, days, zone)
    return DailyCounts(first_day, stories, releases)


def moving_average(counts: Sequence[int], window: int = AVERAGE_DAYS, history: int = 0) -> list[float]:
    """Trailing mean over ``window`` days for each count after the first ``history`` ones.

    Days before the series count as zero (nothing was stored then)."""
    padded = [0] * window + list(counts)
    return [sum(padded[i + 1 : i + 1 + window]) / window for i in range(history, len(counts))]


def is_spike(today: int, previous: Sequence[int]) -> bool:
    """Today exceeds the mean of the previous days by two (population) standard deviations, and is ≥ 3."""
    if today < SPIKE_MINIMUM:
        return False
    mean = statistics.fmean(previous) if previous else 0.0
    spread = statistics.pstdev(previous) if len(previous) > 1 else 0.0
    return today > mean + SPIKE_SIGMAS * spread


def spike_days(counts: Sequence[int], history: int = 0) -> list[int]:
    """Indexes (from ``history`` on) of spike days, each against the 7 days before it (zeros before start)."""
    padded = [0] * AVERAGE_DAYS + list(counts)
    return [i for i in range(history, len(counts)) if is_spike(counts[i], padded[i : i + AVERAGE_DAYS])]


def percent_change(current: int, previous: int) -> float | None:
    """``current / previous - 1``; None when ``previous`` is 0."""
    return None if previous == 0 else current / previous - 1


def peak(counts: Sequence[int], first_day: date) -> tuple[date, int] | None:
    """The busiest day (the earliest of equals) and its count; None when every day is 0."""
    best = max(counts, default=0)
    if best == 0:
        return None
    return first_day + timedelta(days=list(counts).index(best)), best


def trend(counts: DailyCounts, days: int) -> Trend:
    """The last ``days`` of ``counts`` (which should cover ``2 * days`` days: the previous period too)."""
    stories = counts.stories
    history = max(0, len(stories) - days)
    shown = stories[history:]
    first = counts.first_day + timedelta(days=history)
    previous = stories[max(0, history - days) : history]
    return Trend(
        first_day=first,
        counts=tuple(shown),
        average=tuple(moving_average(stories, history=history)),
        spikes=tuple(first + timedelta(days=i - history) for i in spike_days(stories, history)),
        total=sum(shown),
        previous_total=sum(previous),
        peak=peak(shown, first),
    )


def sparkline(counts: Sequence[int]) -> str:
    """One bar character per day, scaled to the busiest day; an empty day is the lowest bar."""
    top = max(counts, default=0)
    if top <= 0:
        return SPARKS[0] * len(counts)
    last = len(SPARKS) - 1
    return "".join(SPARKS[0 if c <= 0 else max(1, math.ceil(c * last / top))] for c in counts)
