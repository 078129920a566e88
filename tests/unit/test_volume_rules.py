"""Volume rules with an explicit clock: digest slots (also on daylight-saving days), quiet hours, mutes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.volume import (
    ChatVolume,
    Hold,
    HoldKind,
    QuietWindow,
    SubscriptionVolume,
    decide,
    earliest,
    hold_until,
    in_quiet,
    local_instant,
    next_digest_slot,
    quiet_end,
)

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC_ZONE = ZoneInfo("UTC")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: ZoneInfo) -> datetime:
    """A local wall time (first occurrence) as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        pytest.param("2026-03-28", time(2, 30), "2026-03-28 01:30", id="normal-winter-night"),
        pytest.param("2026-03-29", time(1, 59), "2026-03-29 00:59", id="spring-before-gap"),
        pytest.param("2026-03-29", time(2, 0), "2026-03-29 01:00", id="spring-gap-start-is-the-jump"),
        pytest.param("2026-03-29", time(2, 30), "2026-03-29 01:00", id="spring-gap-is-the-jump"),
        pytest.param("2026-03-29", time(3, 0), "2026-03-29 01:00", id="spring-gap-end"),
        pytest.param("2026-03-29", time(8, 0), "2026-03-29 06:00", id="spring-summer-morning"),
        pytest.param("2026-10-25", time(1, 59), "2026-10-24 23:59", id="autumn-before-repeat"),
        pytest.param("2026-10-25", time(2, 30), "2026-10-25 00:30", id="autumn-repeat-first-only"),
        pytest.param("2026-10-25", time(3, 0), "2026-10-25 02:00", id="autumn-after-repeat"),
        pytest.param("2026-10-25", time(8, 0), "2026-10-25 07:00", id="autumn-winter-morning"),
    ],
)
def test_local_instant_berlin(day: str, at: time, expected: str) -> None:
    assert local_instant(date.fromisoformat(day), at, BERLIN) == utc(expected)


SLOTS = [
    # zone, times, after (UTC), expected slot (UTC)
    pytest.param(SHANGHAI, "08:00", "2026-03-01 23:10", "2026-03-02 00:00", id="shanghai-07:10-joins-08:00"),
    pytest.param(SHANGHAI, "08:00", "2026-03-01 23:50", "2026-03-02 00:00", id="shanghai-07:50-joins-08:00"),
    pytest.param(SHANGHAI, "08:00", "2026-03-02 00:10", "2026-03-03 00:00", id="shanghai-08:10-next-day"),
    pytest.param(SHANGHAI, "08:00", "2026-03-02 00:00", "2026-03-03 00:00", id="shanghai-exactly-08:00-next"),
    pytest.param(SHANGHAI, "08:00,18:00", "2026-03-02 00:10", "2026-03-02 10:00", id="shanghai-second-time"),
    pytest.param(UTC_ZONE, "23:30", "2026-12-31 23:45", "2027-01-01 23:30", id="utc-over-new-year"),
    pytest.param(BERLIN, "02:30", "2026-03-29 00:00", "2026-03-29 01:00", id="berlin-spring-gap-time"),
    pytest.param(BERLIN, "02:30", "2026-03-29 01:00", "2026-03-30 00:30", id="berlin-spring-gap-not-doubled"),
    pytest.param(
        BERLIN, "02:15,02:45", "2026-03-29 01:00", "2026-03-30 00:15", id="berlin-two-gap-times-one"
    ),
    pytest.param(BERLIN, "08:00", "2026-03-28 07:30", "2026-03-29 06:00", id="berlin-spring-morning"),
    pytest.param(
        BERLIN, "02:30", "2026-10-24 23:00", "2026-10-25 00:30", id="berlin-autumn-first-occurrence"
    ),
    pytest.param(BERLIN, "02:30", "2026-10-25 00:30", "2026-10-26 01:30", id="berlin-autumn-not-repeated"),
    pytest.param(BERLIN, "08:00", "2026-10-24 06:30", "2026-10-25 07:00", id="berlin-autumn-morning"),
]


@pytest.mark.parametrize(("zone", "times", "after", "expected"), SLOTS)
def test_next_digest_slot(zone: ZoneInfo, times: str, after: str, expected: str) -> None:
    parsed = tuple(time.fromisoformat(t) for t in times.split(","))
    assert next_digest_slot(utc(after), zone, parsed) == utc(expected)


@pytest.mark.parametrize(
    "start",
    [pytest.param("2026-03-26", id="spring-forward-week"), pytest.param("2026-10-22", id="fall-back-week")],
)
@pytest.mark.parametrize("at", [time(0, 30), time(2, 30), time(3, 0), time(8, 0)], ids=str)
def test_berlin_dst_weeks_one_digest_a_day(start: str, at: time) -> None:
    """Walking slot to slot over a week with a clock change: exactly one digest per local day."""
    slot = local(f"{start} 00:00", BERLIN) - timedelta(seconds=1)
    days = []
    for _ in range(7):
        slot = next_digest_slot(slot, BERLIN, (at,))
        days.append(slot.astimezone(BERLIN).date())
    first = date.fromisoformat(start)
    assert days == [first + timedelta(days=n) for n in range(7)]


QUIET = QuietWindow(time(22), time(7))
LUNCH = QuietWindow(time(12), time(13))


@pytest.mark.parametrize(
    ("window", "now", "end"),
    [
        pytest.param(QUIET, "2026-05-04 21:59", None, id="before-window"),
        pytest.param(QUIET, "2026-05-04 22:00", "2026-05-05 07:00", id="at-start"),
        pytest.param(QUIET, "2026-05-04 23:30", "2026-05-05 07:00", id="before-midnight"),
        pytest.param(QUIET, "2026-05-05 03:00", "2026-05-05 07:00", id="after-midnight"),
        pytest.param(QUIET, "2026-05-05 06:59", "2026-05-05 07:00", id="last-minute"),
        pytest.param(QUIET, "2026-05-05 07:00", None, id="at-end"),
        pytest.param(LUNCH, "2026-05-05 12:30", "2026-05-05 13:00", id="same-day-window"),
        pytest.param(LUNCH, "2026-05-05 11:00", None, id="same-day-before"),
        pytest.param(LUNCH, "2026-05-05 13:30", None, id="same-day-after"),
    ],
)
def test_quiet_end_berlin(window: QuietWindow, now: str, end: str | None) -> None:
    instant = local(now, BERLIN)
    assert in_quiet(instant, BERLIN, window) is (end is not None)
    assert quiet_end(instant, BERLIN, window) == (None if end is None else local(end, BERLIN))


NOW = utc("2026-05-04 23:30")  # 07:30 in Shanghai, 01:30 in Berlin
DIGEST_8 = (time(8),)
MUTED = SubscriptionVolume(mute_until=NOW + timedelta(hours=1))


@pytest.mark.parametrize(
    ("chat", "sub", "expected"),
    [
        pytest.param(ChatVolume(), SubscriptionVolume(), Hold(HoldKind.INSTANT), id="defaults-instant"),
        pytest.param(ChatVolume(), MUTED, Hold(HoldKind.MUTED), id="muted"),
        pytest.param(
            ChatVolume(), SubscriptionVolume(mute_until=NOW), Hold(HoldKind.INSTANT), id="mute-just-expired"
        ),
        pytest.param(
            ChatVolume(SHANGHAI, DIGEST_8),
            SubscriptionVolume(),
            Hold(HoldKind.DIGEST, utc("2026-05-05 00:00")),
            id="chat-digest",
        ),
        pytest.param(
            ChatVolume(SHANGHAI, DIGEST_8),
            SubscriptionVolume(digest=()),
            Hold(HoldKind.INSTANT),
            id="sub-instant",
        ),
        pytest.param(
            ChatVolume(SHANGHAI),
            SubscriptionVolume(digest=(time(9), time(20))),
            Hold(HoldKind.DIGEST, utc("2026-05-05 01:00")),
            id="sub-own-times",
        ),
        pytest.param(
            ChatVolume(BERLIN, quiet=QUIET),
            SubscriptionVolume(),
            Hold(HoldKind.QUIET, local("2026-05-05 07:00", BERLIN)),
            id="quiet-holds",
        ),
        pytest.param(
            ChatVolume(SHANGHAI, quiet=QUIET),
            SubscriptionVolume(),
            Hold(HoldKind.INSTANT),
            id="outside-quiet",
        ),
        pytest.param(
            ChatVolume(BERLIN, (time(6),), QUIET),
            SubscriptionVolume(),
            Hold(HoldKind.DIGEST, local("2026-05-05 06:00", BERLIN)),
            id="digest-time-inside-quiet-kept",
        ),
        pytest.param(ChatVolume(BERLIN, DIGEST_8, QUIET), MUTED, Hold(HoldKind.MUTED), id="mute-beats-all"),
    ],
)
def test_decide(chat: ChatVolume, sub: SubscriptionVolume, expected: Hold) -> None:
    assert decide(NOW, chat, sub) == expected
    assert hold_until(NOW, chat, sub) == expected.not_before


def test_shanghai_digest_items_across_the_slot() -> None:
    """08:00 digest: items at 07:10 and 07:50 go in the 08:00 slot, one at 08:10 in the next day's."""
    chat = ChatVolume(SHANGHAI, DIGEST_8)
    slots = [
        hold_until(local(f"2026-05-05 {hm}", SHANGHAI), chat, SubscriptionVolume())
        for hm in ("07:10", "07:50", "08:10")
    ]
    assert slots == [local("2026-05-05 08:00", SHANGHAI)] * 2 + [local("2026-05-06 08:00", SHANGHAI)]


def test_earliest_prefers_instant() -> None:
    later, sooner = (
        Hold(HoldKind.DIGEST, NOW + timedelta(hours=2)),
        Hold(HoldKind.QUIET, NOW + timedelta(hours=1)),
    )
    assert earliest([later, sooner]) == sooner
    assert earliest([later, Hold(HoldKind.INSTANT), sooner]) == Hold(HoldKind.INSTANT)


ZONES = ["Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "America/New_York", "Asia/Shanghai"]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2029, 1, 1), timezones=st.just(UTC)
    ),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_one_slot_per_local_day_property(zone: str, start: datetime, at: time) -> None:
    """Over 60 consecutive slots of one daily time: strictly increasing, one per local day, no day missed."""
    tz = ZoneInfo(zone)
    slot = start
    days = []
    for _ in range(60):
        nxt = next_digest_slot(slot, tz, (at,))
        assert nxt > slot
        slot = nxt
        days.append(slot.astimezone(tz).date())
    assert days == [days[0] + timedelta(days=n) for n in range(60)]
