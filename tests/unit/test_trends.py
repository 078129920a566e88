"""feeds.trends: daily counts in a zone, moving average, spikes, change, peak, sparklines; query loosening."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feeds.query import parse_query
from feeds.query.loosen import Loosen, loosenings, query_text
from feeds.trends import (
    DailyCounts,
    Hit,
    count_moment,
    daily_counts,
    day_start,
    is_spike,
    moving_average,
    peak,
    percent_change,
    period,
    sparkline,
    spike_days,
    story_hits,
    trend,
)

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        pytest.param("2026-01-27T15:59:59", SHANGHAI, 0, id="shanghai-before-midnight"),
        pytest.param("2026-01-27T16:00:00", SHANGHAI, 1, id="shanghai-at-midnight"),
        pytest.param("2026-01-27T23:30:00", UTC, 0, id="utc-late-evening"),
        pytest.param("2026-01-28T00:00:00", UTC, 1, id="utc-midnight"),
        pytest.param("2026-01-28T04:59:00", NEW_YORK, 0, id="new-york-still-yesterday"),
        pytest.param("2026-01-28T05:00:00", NEW_YORK, 1, id="new-york-midnight-est"),
    ],
)
def test_day_boundaries(moment: str, zone: ZoneInfo, expected: int) -> None:
    counts = daily_counts([Hit(1, 1, at(moment))], date(2026, 1, 27), 2, zone)
    assert counts.stories == tuple(1 if i == expected else 0 for i in range(2))


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        pytest.param(date(2026, 3, 29), 23, id="spring-forward-23h"),
        pytest.param(date(2026, 10, 25), 25, id="fall-back-25h"),
        pytest.param(date(2026, 1, 27), 24, id="ordinary-24h"),
    ],
)
def test_dst_days_are_whole_local_days(day: date, hours: int) -> None:
    start, end = day_start(day, BERLIN), day_start(day + timedelta(days=1), BERLIN)
    assert end - start == timedelta(hours=hours)
    hits = [Hit(1, 1, start), Hit(2, 2, end - timedelta(seconds=1)), Hit(3, 3, end)]
    assert daily_counts(hits, day, 2, BERLIN).stories == (2, 1)


def test_period_is_local_days_up_to_today() -> None:
    first, since, until = period(at("2026-03-29T22:30:00"), 3, BERLIN)  # 00:30 on 30 March in Berlin
    assert first == date(2026, 3, 28)
    assert since == at("2026-03-27T23:00:00") and until == at("2026-03-30T22:00:00")


def test_wire_copies_count_once_on_the_first_copys_day() -> None:
    hits = [
        Hit(5, 1, at("2026-01-28T01:00:00")),
        Hit(1, 1, at("2026-01-27T23:00:00")),
        Hit(7, 2, at("2026-01-28T02:00:00")),
    ]
    assert [h.item_id for h in story_hits(hits)] == [1, 7]
    counts = daily_counts(hits, date(2026, 1, 26), 4, UTC)
    assert counts == DailyCounts(date(2026, 1, 26), (0, 1, 1, 0), (0, 1, 2, 0))
    assert counts.days[-1] == date(2026, 1, 29)


def test_hits_outside_the_period_are_ignored() -> None:
    hits = [Hit(1, 1, at("2026-01-25T12:00:00")), Hit(2, 2, at("2026-01-30T12:00:00"))]
    assert daily_counts(hits, date(2026, 1, 26), 3, UTC).stories == (0, 0, 0)


@pytest.mark.parametrize(
    ("counts", "history", "expected"),
    [
        pytest.param([7, 0, 0, 0, 0, 0, 0, 0], 0, [1, 1, 1, 1, 1, 1, 1, 0], id="zeros-before-start"),
        pytest.param([1] * 10, 7, [1, 1, 1], id="full-history"),
        pytest.param([], 0, [], id="empty"),
    ],
)
def test_moving_average(counts: list[int], history: int, expected: list[float]) -> None:
    assert moving_average(counts, history=history) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("today", "previous", "expected"),
    [
        pytest.param(3, [0] * 7, True, id="three-after-quiet-week"),
        pytest.param(2, [0] * 7, False, id="two-is-below-minimum"),
        pytest.param(9, [1, 2, 1, 2, 1, 2, 1], True, id="burst"),
        pytest.param(5, [1, 5, 0, 4, 2, 6, 1], False, id="noisy-week"),
        pytest.param(3, [], True, id="no-history-counts-as-zero"),
        pytest.param(4, [2, 2, 2, 2, 2, 2, 2], True, id="flat-week-any-rise"),
        pytest.param(2, [2, 2, 2, 2, 2, 2, 2], False, id="flat-week-same"),
    ],
)
def test_is_spike(today: int, previous: list[int], expected: bool) -> None:
    assert is_spike(today, previous) is expected


def test_spike_days_count_days_before_the_series_as_zero() -> None:
    assert spike_days([3, 0, 0, 9, 1]) == [0, 3]
    assert spike_days([3, 0, 0, 9, 1], history=2) == [3]


def test_trend_summary() -> None:
    stories = (1, 1, 0, 0, 0, 4, 0, 2)  # the previous period, then the four days shown
    shown = trend(DailyCounts(date(2026, 1, 1), stories, stories), 4)
    assert shown.first_day == date(2026, 1, 5) and shown.counts == (0, 4, 0, 2)
    assert (shown.total, shown.previous_total, shown.change) == (6, 2, pytest.approx(2.0))
    assert shown.peak == (date(2026, 1, 6), 4)
    assert shown.spikes == (date(2026, 1, 6),)
    assert shown.average[1] == pytest.approx(6 / 7)
    assert shown.days[0] == date(2026, 1, 5)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        pytest.param(10, 5, 1.0, id="doubled"),
        pytest.param(5, 10, -0.5, id="halved"),
        pytest.param(3, 0, None, id="from-nothing"),
    ],
)
def test_percent_change(current: int, previous: int, expected: float | None) -> None:
    assert percent_change(current, previous) == expected


def test_peak_of_empty_days_is_none_and_ties_take_the_first() -> None:
    assert peak([0, 0, 0], date(2026, 1, 1)) is None
    assert peak([1, 3, 3], date(2026, 1, 1)) == (date(2026, 1, 2), 3)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param([0] * 7, "▁▁▁▁▁▁▁", id="empty-week"),
        pytest.param([0, 1, 2, 3, 4, 5, 7], "▁▂▃▄▅▆█", id="rising"),
        pytest.param([1, 0, 0, 0, 0, 0, 100], "▂▁▁▁▁▁█", id="one-is-not-zero"),
        pytest.param([], "", id="no-days"),
    ],
)
def test_sparkline(counts: list[int], expected: str) -> None:
    assert sparkline(counts) == expected


@pytest.mark.parametrize(
    "text",
    [
        '"weiqiao pioneering" aluminium -sports',
        '(a OR "b c") -(d e)',
        'title:(a OR b) -title:c source:"xinhua net"',
        "滨州 alumin*",
    ],
)
def test_query_text_round_trips(text: str) -> None:
    node = parse_query(text).node
    assert parse_query(query_text(node)).node == node


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        pytest.param('"weiqiao pioneering"', Loosen.PHRASE_AS_WORDS, "weiqiao pioneering", id="phrase"),
        pytest.param("binzhou -sports", Loosen.DROP_EXCLUSION, "binzhou", id="exclusion"),
        pytest.param("title:binzhou", Loosen.TITLE_ANYWHERE, "binzhou", id="title"),
        pytest.param("binzhou source:xinhua", Loosen.DROP_SOURCE, "binzhou", id="source"),
        pytest.param("binzhou shandong", Loosen.DROP_TERM, "shandong", id="term"),
        pytest.param('a OR "b c"', Loosen.PHRASE_AS_WORDS, "a OR (b c)", id="phrase-in-or"),
    ],
)
def test_loosenings_propose(text: str, kind: Loosen, expected: str) -> None:
    proposals = [(found.kind, found.query.text) for found in loosenings(parse_query(text))]
    assert (kind, expected) in proposals


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('binzhou -"weiqiao pioneering"', id="phrase-under-negation-stays"),
        pytest.param("(binzhou OR source:xinhua) shandong", id="or-branch-not-dropped"),
        pytest.param("binzhou", id="single-word"),
        pytest.param("滨州", id="cjk-run-is-one-word"),
    ],
)
def test_loosenings_never_tighten(text: str) -> None:
    kinds = {found.kind for found in loosenings(parse_query(text))}
    assert Loosen.PHRASE_AS_WORDS not in kinds and Loosen.DROP_SOURCE not in kinds


SEEN = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
KEEP = timedelta(days=365)
COUNTED = [
    ("published earlier: its day", SEEN - timedelta(days=6), SEEN - timedelta(days=6)),
    ("published just before first sight", SEEN - timedelta(minutes=1), SEEN - timedelta(minutes=1)),
    ("a little ahead (skew): believed", SEEN + timedelta(minutes=9), SEEN + timedelta(minutes=9)),
    ("ahead beyond the skew: first seen", SEEN + timedelta(minutes=11), SEEN),
    ("older than keep_items: first seen", SEEN - KEEP - timedelta(seconds=1), SEEN),
    ("exactly keep_items old: believed", SEEN - KEEP, SEEN - KEEP),
]


@pytest.mark.parametrize(("published", "expected"), [c[1:] for c in COUNTED], ids=[c[0] for c in COUNTED])
def test_count_moment(published: datetime, expected: datetime) -> None:
    assert count_moment(published, SEEN, KEEP) == expected


def test_a_story_counts_on_the_publication_day_of_its_earliest_copy() -> None:
    hits = [Hit(1, 1, at("2026-01-28T10:00:00")), Hit(2, 1, at("2026-01-26T10:00:00"))]
    assert daily_counts(hits, date(2026, 1, 26), 3, UTC).stories == (1, 0, 0)
