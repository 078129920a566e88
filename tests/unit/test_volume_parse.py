"""Parsing of volume settings typed in chat: zones, digest times, quiet windows, mute durations."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from feeds.volume import (
    QuietWindow,
    VolumeError,
    format_times,
    parse_digest_times,
    parse_mute,
    parse_quiet,
    parse_zone,
)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        pytest.param("Asia/Shanghai", "Asia/Shanghai", id="exact"),
        pytest.param("asia/shanghai", "Asia/Shanghai", id="lower-case"),
        pytest.param("  EUROPE/BERLIN ", "Europe/Berlin", id="upper-case-padded"),
        pytest.param("america/new york", "America/New_York", id="space-for-underscore"),
        pytest.param("utc", "UTC", id="utc"),
        pytest.param("Etc/GMT-8", "Etc/GMT-8", id="etc-zone-is-iana"),
    ],
)
def test_zone_lookup(text: str, zone: str) -> None:
    assert parse_zone(text).key == zone


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        pytest.param("UTC+8", "Asia/Shanghai", id="utc-plus-8"),
        pytest.param("GMT+08:00", "Asia/Shanghai", id="gmt-plus-0800"),
        pytest.param("+1", "Europe/Berlin", id="bare-plus-1"),
        pytest.param("UTC-5", "America/New_York", id="utc-minus-5"),
        pytest.param("UTC+13", "Asia/Shanghai", id="unusual-offset-still-names-a-zone"),
        pytest.param("Shanghai", "Asia/Shanghai", id="city-only"),
        pytest.param("Europe/Berlinn", "Europe/Berlin", id="typo"),
        pytest.param("Mars/Olympus", "Europe/Berlin", id="unknown"),
        pytest.param("Factory", "IANA", id="placeholder-zone-refused"),
        pytest.param("", "Europe/Berlin", id="empty"),
    ],
)
def test_zone_refusals_name_a_zone(text: str, hint: str) -> None:
    with pytest.raises(VolumeError, match=hint):
        parse_zone(text)


@pytest.mark.parametrize(
    ("text", "times"),
    [
        pytest.param("08:00", (time(8),), id="one"),
        pytest.param("18:30,8:00", (time(8), time(18, 30)), id="sorted-short-hour"),
        pytest.param("08:00, 08:00 ,12:00", (time(8), time(12)), id="deduped-spaces"),
        pytest.param("0:00,1:00,2:00,3:00,4:00,5:00", tuple(time(h) for h in range(6)), id="six"),
        pytest.param("23:59", (time(23, 59),), id="last-minute"),
    ],
)
def test_digest_times(text: str, times: tuple[time, ...]) -> None:
    assert parse_digest_times(text) == times


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("24:00", id="hour-24"),
        pytest.param("08:60", id="minute-60"),
        pytest.param("8am", id="am"),
        pytest.param("0:00,1:00,2:00,3:00,4:00,5:00,6:00", id="seven"),
        pytest.param("08:00;09:00", id="semicolon"),
    ],
)
def test_digest_times_refused(text: str) -> None:
    with pytest.raises(VolumeError):
        parse_digest_times(text)


def test_times_round_trip() -> None:
    assert format_times(parse_digest_times("18:00,8:05")) == "08:05,18:00"
    assert parse_digest_times(format_times((time(7), time(19, 45)))) == (time(7), time(19, 45))


@pytest.mark.parametrize(
    ("text", "window"),
    [
        pytest.param("22:00-07:00", QuietWindow(time(22), time(7)), id="wraps-midnight"),
        pytest.param("12:30 - 13:15", QuietWindow(time(12, 30), time(13, 15)), id="same-day-spaces"),
        pytest.param("23:00–6:00", QuietWindow(time(23), time(6)), id="en-dash"),
    ],
)
def test_quiet(text: str, window: QuietWindow) -> None:
    assert parse_quiet(text) == window
    assert parse_quiet(str(window)) == window


@pytest.mark.parametrize("text", ["22:00", "22:00-22:00", "22-07", "22:00-07:00-08:00", "off"], ids=str.strip)
def test_quiet_refused(text: str) -> None:
    with pytest.raises(VolumeError, match="22:00-07:00"):
        parse_quiet(text)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        pytest.param("30m", timedelta(minutes=30), id="minutes"),
        pytest.param("8h", timedelta(hours=8), id="hours"),
        pytest.param("3D", timedelta(days=3), id="days-upper"),
        pytest.param("30d", timedelta(days=30), id="thirty-days"),
        pytest.param("720h", timedelta(days=30), id="thirty-days-in-hours"),
        pytest.param("1m", timedelta(minutes=1), id="one-minute"),
    ],
)
def test_mute(text: str, duration: timedelta) -> None:
    assert parse_mute(text) == duration


@pytest.mark.parametrize("text", ["31d", "721h", "0m", "8", "1w", "-3h", "1.5h"])
def test_mute_refused(text: str) -> None:
    with pytest.raises(VolumeError):
        parse_mute(text)
