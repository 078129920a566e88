"""Parsing of volume settings typed in chat: zones, digest times, quiet windows, mute durations.

Every refusal is a ``VolumeError`` whose message can go to the user as is (with an example or a hint).
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo

MAX_DIGEST_TIMES = 6
MAX_MUTE = timedelta(days=30)
MAX_ZONE_NAME = 64  # longer than any IANA name: no near miss is looked for (difflib is quadratic)

# Not zones a user means: tzdata's placeholder and the host's own link.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_OFFSET = re.compile(r"(?:utc|gmt|z)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_MUTE = re.compile(r"(\d{1,5})\s*(m|min|h|d)", re.IGNORECASE)
_MUTE_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400}
# A well-known place for whole-hour offsets, for the hint when someone types "UTC+8".
_PLACE_FOR_OFFSET = {
    -10: "Pacific/Honolulu",
    -8: "America/Los_Angeles",
    -7: "America/Denver",
    -6: "America/Chicago",
    -5: "America/New_York",
    -3: "America/Sao_Paulo",
    0: "Europe/London",
    1: "Europe/Berlin",
    2: "Europe/Athens",
    3: "Europe/Moscow",
    4: "Asia/Dubai",
    5: "Asia/Karachi",
    7: "Asia/Bangkok",
    8: "Asia/Shanghai",
    9: "Asia/Tokyo",
    10: "Australia/Sydney",
    12: "Pacific/Auckland",
}


class VolumeError(ValueError):
    """A setting typed in chat is not valid; the message says why and shows an example (in English).

    ``code`` names the refusal and ``values`` its parts, so the chat can say it in the chat's language."""

    def __init__(self, message: str, code: str, **values: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True, slots=True)
class QuietWindow:
    """Local quiet hours ``start``-``end``; wraps midnight when ``end`` is not after ``start``."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@functools.cache
def _zone_names() -> dict[str, str]:
    """Casefolded name -> IANA name, over every zone zoneinfo knows (system data or the tzdata package)."""
    return {name.casefold(): name for name in zoneinfo.available_timezones() - _NOT_ZONES}


def parse_zone(text: str) -> ZoneInfo:
    """An IANA zone by name, case-insensitive (``asia/shanghai``); offsets and unknown names are refused."""
    name = text.strip().replace(" ", "_")
    found = _zone_names().get(name.casefold())
    if found is not None:
        return ZoneInfo(found)
    if not name:
        raise VolumeError("Name a time zone, e.g. Europe/Berlin or Asia/Shanghai.", "zone_empty")
    if (offset := _OFFSET.fullmatch(name)) is not None:
        raise _offset_error(text.strip(), offset)
    raise _unknown_error(text.strip())


def _offset_error(text: str, offset: re.Match[str]) -> VolumeError:
    hours = int(offset.group(2)) * (-1 if offset.group(1) == "-" else 1)
    place = _PLACE_FOR_OFFSET.get(hours, "Asia/Shanghai")
    message = (
        f"{text!r} is an offset, and offsets change with daylight saving. "
        f"Name the place's zone instead, e.g. {place}."
    )
    return VolumeError(message, "zone_offset", text=text, place=place)


def _unknown_error(text: str) -> VolumeError:
    names = _zone_names()
    key = text.casefold().replace(" ", "_")
    by_city = sorted(n for c, n in names.items() if c.rsplit("/", 1)[-1] == key)
    similar = (
        difflib.get_close_matches(key, list(names), n=3, cutoff=0.75) if len(key) <= MAX_ZONE_NAME else []
    )
    close = by_city or [names[c] for c in similar]
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    message = f"Unknown time zone {text!r}.{hint} Use an IANA name such as Europe/Berlin or Asia/Shanghai."
    return VolumeError(message, "zone_unknown", text=text, suggestions=" / ".join(close))


def _parse_time(text: str, example: str) -> time:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        message = f"{text.strip()!r} is not a time of day (HH:MM, e.g. {example})."
        raise VolumeError(message, "not_time", text=text.strip(), example=example)
    return time(int(match.group(1)), int(match.group(2)))


def parse_digest_times(text: str) -> tuple[time, ...]:
    """``HH:MM[,HH:MM…]``: at most ``MAX_DIGEST_TIMES`` distinct times, sorted."""
    parts = [part for part in re.split(r"[,\s]+", text.strip()) if part]
    if not parts:
        raise VolumeError("Give digest times as HH:MM[,HH:MM…], e.g. 08:00,18:00.", "digest_empty")
    times = tuple(sorted({_parse_time(part, "08:00,18:00") for part in parts}))
    if len(times) > MAX_DIGEST_TIMES:
        message = f"At most {MAX_DIGEST_TIMES} digest times a day, got {len(times)}."
        raise VolumeError(message, "digest_too_many", count=len(times), limit=MAX_DIGEST_TIMES)
    return times


def format_times(times: tuple[time, ...]) -> str:
    """``08:00,18:00`` (the stored and shown form)."""
    return ",".join(f"{at:%H:%M}" for at in times)


def parse_quiet(text: str) -> QuietWindow:
    """``HH:MM-HH:MM`` (may wrap midnight, e.g. 22:00-07:00); start and end must differ."""
    parts = [part.strip() for part in re.split("[-–]", text)]  # linear: no \s* around the dash
    if len(parts) != 2:
        raise VolumeError("Give quiet hours as HH:MM-HH:MM, e.g. 22:00-07:00.", "quiet_format")
    window = QuietWindow(_parse_time(parts[0], "22:00-07:00"), _parse_time(parts[1], "22:00-07:00"))
    if window.start == window.end:
        message = "Quiet hours must start and end at different times, e.g. 22:00-07:00."
        raise VolumeError(message, "quiet_same")
    return window


def parse_mute(text: str) -> timedelta:
    """``30m``, ``8h``, ``3d``: more than nothing, at most 30 days."""
    match = _MUTE.fullmatch(text.strip())
    if match is None:
        message = f"{text.strip()!r} is not a duration: use minutes, hours or days, e.g. 30m, 8h, 3d."
        raise VolumeError(message, "mute_format", text=text.strip())
    duration = timedelta(seconds=int(match.group(1)) * _MUTE_UNITS[match.group(2).lower()])
    if not timedelta(0) < duration <= MAX_MUTE:
        message = f"A mute lasts from 1 minute to {MAX_MUTE.days} days, e.g. 8h or 3d."
        raise VolumeError(message, "mute_range", days=MAX_MUTE.days)
    return duration
