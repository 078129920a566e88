"""Volume control, the domain rules: time zones, digest times, quiet hours and mutes (pure, explicit ``now``).

A chat has a zone (IANA, applied with ``zoneinfo``), optional digest times and an optional quiet window; a
subscription may follow the chat's digest schedule, override it (own times, or instant) and be muted until
an instant. ``decide`` says what happens to a new match: sent now, held until a digest slot or the end of
quiet hours (an outbox row with ``not_before``), or dropped while muted.

Local times become UTC instants by one rule, ``local_instant``: the first instant at which the local clock
shows that time or later. A time skipped by a spring-forward change is the instant the clocks jump; a time
repeated by a fall-back change is its first occurrence only. So daylight saving neither skips nor doubles a
digest, and slots are compared as UTC instants (two local times mapping to one instant are one slot).

Parsing lives in ``feeds.volume_parse``; its names are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from feeds.volume_parse import (
    MAX_DIGEST_TIMES,
    MAX_MUTE,
    QuietWindow,
    VolumeError,
    format_times,
    parse_digest_times,
    parse_mute,
    parse_quiet,
    parse_zone,
)

__all__ = [
    "MAX_DIGEST_TIMES",
    "MAX_MUTE",
    "ChatVolume",
    "Hold",
    "HoldKind",
    "QuietWindow",
    "SubscriptionVolume",
    "VolumeError",
    "decide",
    "digest_times",
    "earliest",
    "format_times",
    "hold_until",
    "in_quiet",
    "is_muted",
    "local_instant",
    "next_digest_slot",
    "parse_digest_times",
    "parse_mute",
    "parse_quiet",
    "parse_zone",
    "quiet_end",
]

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class ChatVolume:
    """A chat's settings: its zone, digest times (empty: instant alerts) and quiet window (None: none)."""

    zone: ZoneInfo = UTC_ZONE
    digest: tuple[time, ...] = ()
    quiet: QuietWindow | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionVolume:
    """A subscription's settings: ``digest`` None follows the chat, ``()`` is instant, else its own times."""

    digest: tuple[time, ...] | None = None
    mute_until: datetime | None = None


class HoldKind(StrEnum):
    """What happens to a new match (the outbox row's ``kind`` for the first three)."""

    INSTANT = "instant"
    DIGEST = "digest"
    QUIET = "quiet"
    MUTED = "muted"  # not queued at all


@dataclass(frozen=True, slots=True)
class Hold:
    """The decision for one match: its kind and the row's ``not_before`` (digest slot or quiet end)."""

    kind: HoldKind
    not_before: datetime | None = None


# --- local times to instants ---------------------------------------------------------------------------
def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock time of a UTC instant."""
    return instant.astimezone(zone).replace(tzinfo=None)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which the local clock in ``zone`` shows ``day`` ``at`` or later.

    Usually that time itself; inside a fall-back repeat its first occurrence (fold=0); inside a
    spring-forward gap the instant the clocks jump (Berlin 2026-03-29 02:30 -> 01:00 UTC, 03:00 local)."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first
    # In a gap: fold=1 reads the wall time with the later (larger) offset, an instant before the jump.
    low = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    if low >= high:  # not a forward gap (cannot happen with real zones); keep the fold=0 reading
        return first
    while high - low > 1:  # bisect whole seconds: local(low) < wall <= local(high)
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _next_local(after: datetime, zone: ZoneInfo, times: tuple[time, ...]) -> datetime:
    """The first instant strictly after ``after`` that is one of ``times`` local (non-empty ``times``)."""
    start = _wall(after, zone).date() - timedelta(days=1)
    for offset in range(4):
        day = start + timedelta(days=offset)
        for at in sorted(times):
            candidate = local_instant(day, at, zone)
            if candidate > after:
                return candidate
    raise AssertionError("unreachable: every day has each local time")  # pragma: no cover


def next_digest_slot(after: datetime, zone: ZoneInfo, times: tuple[time, ...]) -> datetime:
    """The digest slot a match at ``after`` joins: the first digest time strictly after it (UTC).

    Strictly: a match at 08:00:00 exactly joins the next slot, since the 08:00 digest may be on its way."""
    if not times:
        raise ValueError("no digest times")
    return _next_local(after, zone, times)


# --- quiet hours ---------------------------------------------------------------------------------------
def in_quiet(instant: datetime, zone: ZoneInfo, window: QuietWindow) -> bool:
    """Whether the local time of ``instant`` is inside the window (start included, end excluded)."""
    now = _wall(instant, zone).time()
    if window.start < window.end:
        return window.start <= now < window.end
    return now >= window.start or now < window.end


def quiet_end(instant: datetime, zone: ZoneInfo, window: QuietWindow) -> datetime | None:
    """When the quiet window containing ``instant`` ends (UTC); None when ``instant`` is not inside one."""
    if not in_quiet(instant, zone, window):
        return None
    return _next_local(instant, zone, (window.end,))


# --- the decision for a new match ----------------------------------------------------------------------
def is_muted(now: datetime, subscription: SubscriptionVolume) -> bool:
    """A muted subscription's matches are not queued."""
    return subscription.mute_until is not None and now < subscription.mute_until


def digest_times(chat: ChatVolume, subscription: SubscriptionVolume) -> tuple[time, ...]:
    """The subscription's effective digest times (empty: instant)."""
    return chat.digest if subscription.digest is None else subscription.digest


def decide(now: datetime, chat: ChatVolume, subscription: SubscriptionVolume) -> Hold:
    """Muted: dropped. Digest: held for the next slot (quiet hours do not move a chosen digest time).

    Else held until the quiet window ends when ``now`` is inside it; else instant."""
    if is_muted(now, subscription):
        return Hold(HoldKind.MUTED)
    times = digest_times(chat, subscription)
    if times:
        return Hold(HoldKind.DIGEST, next_digest_slot(now, chat.zone, times))
    if chat.quiet is not None and (end := quiet_end(now, chat.zone, chat.quiet)) is not None:
        return Hold(HoldKind.QUIET, end)
    return Hold(HoldKind.INSTANT)


def hold_until(now: datetime, chat: ChatVolume, subscription: SubscriptionVolume) -> datetime | None:
    """A new alert's ``not_before``: the digest slot, the quiet end, or None (instant, or muted: see
    ``is_muted``)."""
    return decide(now, chat, subscription).not_before


def earliest(holds: list[Hold]) -> Hold:
    """Of several subscriptions of one chat matching one story, the hold that delivers first."""
    return min(holds, key=lambda h: h.not_before or datetime.min.replace(tzinfo=UTC))
