"""Volume settings of chats and subscriptions, and re-holding a chat's waiting alerts when they change.

The rules are ``feeds.volume``'s: this module reads and writes the settings as text columns and asks
``decide`` what a waiting row should do under the new settings.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, func, select, update

from feeds.models import DeliveryStatus
from feeds.values import VolumeCounts
from feeds.volume import (
    ChatVolume,
    Hold,
    HoldKind,
    QuietWindow,
    SubscriptionVolume,
    decide,
    format_times,
    parse_digest_times,
    parse_quiet,
)
from storage.db.dialect import chunks
from storage.db.tables import chats, deliveries, subscriptions

logger = logging.getLogger(__name__)

PENDING = DeliveryStatus.PENDING.value
INSTANT = "instant"  # a subscription's digest_times value: instant alerts whatever the chat's schedule
HELD_KINDS = (HoldKind.DIGEST.value, HoldKind.QUIET.value)


# --- text columns <-> feeds.volume values ------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def zone_of(name: str | None, default: str) -> ZoneInfo:
    """A stored zone name (None: the default); an unknown one (tzdata changed) falls back to the default."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("zone_unknown zone=%s fallback=%s", name, default)
        return ZoneInfo(default)


@functools.lru_cache(maxsize=1024)
def _times(text: str) -> tuple[time, ...]:
    return parse_digest_times(text)


@functools.lru_cache(maxsize=1024)
def _quiet(text: str) -> QuietWindow:
    return parse_quiet(text)


def chat_volume_of(zone: str | None, digest: str | None, quiet: str | None, default_zone: str) -> ChatVolume:
    """A chat's settings from its columns."""
    return ChatVolume(
        zone_of(zone, default_zone), _times(digest) if digest else (), _quiet(quiet) if quiet else None
    )


def subscription_volume_of(digest: str | None, mute_until: datetime | None) -> SubscriptionVolume:
    """A subscription's settings from its columns."""
    if digest is None:
        return SubscriptionVolume(None, mute_until)
    return SubscriptionVolume(() if digest == INSTANT else _times(digest), mute_until)


def _digest_text(times: tuple[time, ...] | None) -> str | None:
    if times is None:
        return None
    return format_times(times) if times else INSTANT


# --- reads -----------------------------------------------------------------------------------------------
def chat_volume(conn: Connection, chat_id: int, default_zone: str) -> ChatVolume:
    """A chat's settings (defaults when the chat is unknown)."""
    stmt = select(chats.c.timezone, chats.c.digest_times, chats.c.quiet_hours).where(chats.c.id == chat_id)
    row = conn.execute(stmt).first()
    if row is None:
        return chat_volume_of(None, None, None, default_zone)
    return chat_volume_of(row.timezone, row.digest_times, row.quiet_hours, default_zone)


def subscription_volumes(conn: Connection, chat_id: int) -> dict[int, SubscriptionVolume]:
    """Every subscription of the chat, by id."""
    stmt = select(subscriptions.c.id, subscriptions.c.digest_times, subscriptions.c.mute_until).where(
        subscriptions.c.chat_id == chat_id
    )
    return {sub_id: subscription_volume_of(digest, mute) for sub_id, digest, mute in conn.execute(stmt)}


def volume_counts(conn: Connection, chat_id: int, now: datetime) -> VolumeCounts:
    """Sent in the 24 hours before ``now``, and waiting (pending, held or due)."""
    mine = deliveries.c.chat_id == chat_id
    sent = select(func.count()).where(mine, deliveries.c.sent_at > now - timedelta(hours=24))
    not_sent = deliveries.c.status.in_((PENDING, DeliveryStatus.SENDING.value))
    waiting = select(func.count()).where(mine, deliveries.c.sent_at.is_(None), not_sent)
    return VolumeCounts(
        sent_24h=int(conn.execute(sent.select_from(deliveries)).scalar_one()),
        waiting=int(conn.execute(waiting.select_from(deliveries)).scalar_one()),
    )


# --- writes ----------------------------------------------------------------------------------------------
def set_chat_columns(conn: Connection, chat_id: int, now: datetime, **values: str | None) -> bool:
    """Update a chat's volume columns (timezone, digest_times, quiet_hours); False for an unknown chat."""
    stmt = update(chats).where(chats.c.id == chat_id).values(updated_at=now, **values)
    return bool(conn.execute(stmt.returning(chats.c.id)).first())


def set_subscription_digest(
    conn: Connection, chat_id: int, subscription_ids: list[int], times: tuple[time, ...] | None
) -> list[int]:
    """Set the override (None: follow the chat; (): instant) of these subscriptions of the chat; their ids."""
    found: list[int] = []
    for part in chunks(sorted(set(subscription_ids))):
        stmt = (
            update(subscriptions)
            .where(subscriptions.c.chat_id == chat_id, subscriptions.c.id.in_(part))
            .values(digest_times=_digest_text(times))
            .returning(subscriptions.c.id)
        )
        found += [row[0] for row in conn.execute(stmt)]
    return sorted(found)


def set_mute(
    conn: Connection, chat_id: int, subscription_id: int, until: datetime | None, now: datetime
) -> bool:
    """Mute until ``until`` (None: unmute); a mute cancels the subscription's waiting alerts.

    False: no such subscription in the chat."""
    owned = (subscriptions.c.chat_id == chat_id) & (subscriptions.c.id == subscription_id)
    stmt = update(subscriptions).where(owned).values(mute_until=until).returning(subscriptions.c.id)
    if conn.execute(stmt).first() is None:
        return False
    if until is not None and until > now:
        cancel = (
            update(deliveries)
            .where(deliveries.c.subscription_id == subscription_id, deliveries.c.status == PENDING)
            .values(status=DeliveryStatus.CANCELLED.value, last_error="muted")
        )
        conn.execute(cancel)
    return True


def rehold(conn: Connection, chat_id: int, now: datetime, default_zone: str) -> int:
    """Re-decide the chat's held rows (digest or quiet, not yet due, never tried) under its current settings.

    Released rows become instant and due now; a changed schedule moves rows to the new slot. Returns the
    number of rows whose hold changed."""
    chat = chat_volume(conn, chat_id, default_zone)
    subs = subscription_volumes(conn, chat_id)
    stmt = select(deliveries.c.id, deliveries.c.subscription_id, deliveries.c.kind, deliveries.c.not_before)
    stmt = stmt.where(
        deliveries.c.chat_id == chat_id,
        deliveries.c.status == PENDING,
        deliveries.c.kind.in_(HELD_KINDS),
        deliveries.c.not_before > now,
        deliveries.c.attempts == 0,
    )
    changes: dict[tuple[str, datetime | None], list[int]] = defaultdict(list)
    for row_id, sub_id, kind, not_before in conn.execute(stmt):
        hold = decide(now, chat, subs.get(sub_id, SubscriptionVolume()))
        if hold.kind is HoldKind.MUTED:
            hold = Hold(HoldKind.INSTANT)  # muting cancels rows itself; never strand one here
        if (hold.kind.value, hold.not_before) != (kind, not_before):
            changes[(hold.kind.value, hold.not_before)].append(row_id)
    for (kind, not_before), ids in changes.items():
        _apply_hold(conn, ids, kind, not_before)
    moved = sum(len(ids) for ids in changes.values())
    logger.debug("volume_reheld chat=%s rows=%s", chat_id, moved)
    return moved


def _apply_hold(conn: Connection, ids: list[int], kind: str, not_before: datetime | None) -> None:
    values: dict[str, Any] = {
        "kind": kind,
        "not_before": not_before,
        "digest_slot": not_before if kind == HoldKind.DIGEST.value else None,
    }
    for part in chunks(sorted(ids)):
        conn.execute(update(deliveries).where(deliveries.c.id.in_(part)).values(**values))
