"""The volume-control part of the storage facade (mixed into ``Store``): settings, digests, /status counts.

Every setter re-decides the chat's held rows in the same transaction (``volume_repo.rehold``): ``/quiet
off`` releases quiet-held alerts at once, a new digest schedule or zone moves waiting rows to the new slot.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from feeds.models import ChatKind
from feeds.values import DueDigest, PendingAlert, VolumeCounts
from feeds.volume import ChatVolume, QuietWindow, SubscriptionVolume, format_times
from storage import outbox_repo, volume_repo
from storage.db.engine import transaction


def to_pending_alert(row: Any, item: Any) -> PendingAlert:
    """A row of ``outbox_repo._alert_select`` and its item."""
    return PendingAlert(
        delivery_id=row.d_id,
        chat_id=row.d_chat_id,
        chat_kind=ChatKind(row.d_chat_kind),
        story_id=row.d_story_id,
        item=item,
        subscription_id=row.d_subscription_id,
        query=row.d_query,
        attempts=row.d_attempts,
        created_at=row.d_created_at,
        kind=row.d_kind,
        digest_slot=row.d_digest_slot,
    )


class VolumeStore:
    """Volume settings, due digests and counts; the host sets ``_engine`` and ``_default_zone``."""

    _engine: Engine
    _default_zone: str

    @property
    def default_zone(self) -> ZoneInfo:
        """The zone of chats that have not chosen one (``[chat] default_timezone``)."""
        return volume_repo.zone_of(None, self._default_zone)

    # --- reading settings ------------------------------------------------------------------------------
    def chat_volume(self, chat_id: int) -> ChatVolume:
        """A chat's zone, digest times and quiet window (defaults for an unknown chat)."""
        with transaction(self._engine, write=False) as conn:
            return volume_repo.chat_volume(conn, chat_id, self._default_zone)

    def subscription_volumes(self, chat_id: int) -> dict[int, SubscriptionVolume]:
        """Digest override and mute of each of the chat's subscriptions, by id."""
        with transaction(self._engine, write=False) as conn:
            return volume_repo.subscription_volumes(conn, chat_id)

    def volume_counts(self, chat_id: int, now: datetime) -> VolumeCounts:
        """Alerts sent to the chat in the last 24 h, and alerts waiting (held or due)."""
        with transaction(self._engine, write=False) as conn:
            return volume_repo.volume_counts(conn, chat_id, now)

    # --- changing settings (each re-holds the chat's waiting rows; returns how many moved) -------------
    def set_timezone(self, chat_id: int, zone: ZoneInfo | None, now: datetime) -> int:
        """Set the chat's zone (None: back to the default); waiting digests move to the new local times."""
        return self._set_chat(chat_id, now, timezone=None if zone is None else zone.key)

    def set_chat_digest(self, chat_id: int, times: tuple[time, ...], now: datetime) -> int:
        """The chat's digest times (empty: instant alerts); subscriptions with an override keep it."""
        return self._set_chat(chat_id, now, digest_times=format_times(times) if times else None)

    def set_quiet(self, chat_id: int, window: QuietWindow | None, now: datetime) -> int:
        """Quiet hours (None: off, which releases every quiet-held alert now)."""
        return self._set_chat(chat_id, now, quiet_hours=None if window is None else str(window))

    def _set_chat(self, chat_id: int, now: datetime, **values: str | None) -> int:
        with transaction(self._engine, write=True) as conn:
            if not volume_repo.set_chat_columns(conn, chat_id, now, **values):
                raise LookupError(f"no chat {chat_id}: touch_chat first")
            return volume_repo.rehold(conn, chat_id, now, self._default_zone)

    def set_subscription_digest(
        self, chat_id: int, subscription_ids: Sequence[int], times: tuple[time, ...] | None, now: datetime
    ) -> list[int]:
        """Override the digest of these subscriptions of the chat (None: follow the chat; (): instant).

        Returns the ids that belong to the chat (others are ignored)."""
        with transaction(self._engine, write=True) as conn:
            found = volume_repo.set_subscription_digest(conn, chat_id, list(subscription_ids), times)
            volume_repo.rehold(conn, chat_id, now, self._default_zone)
            return found

    def set_mute(self, chat_id: int, subscription_id: int, until: datetime | None, now: datetime) -> bool:
        """Mute a subscription of the chat until ``until`` (None: unmute); muting cancels its waiting alerts.

        False when the chat has no such subscription."""
        with transaction(self._engine, write=True) as conn:
            return volume_repo.set_mute(conn, chat_id, subscription_id, until, now)

    # --- digests -------------------------------------------------------------------------------------
    def due_digests(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[DueDigest]:
        """Chats with a digest due (slot and retry time passed), oldest slot first, at most ``limit``."""
        with transaction(self._engine, write=False) as conn:
            found = outbox_repo.due_digests(conn, now, limit, kinds)
        return [DueDigest(chat_id, slot) for chat_id, slot in found]

    def claim_digest(
        self, owner: str, chat_id: int, up_to: datetime, now: datetime, lease_until: datetime
    ) -> list[PendingAlert]:
        """Claim the chat's due digest rows of every slot up to ``up_to`` for ``owner`` (``sending``, with a
        lease): one digest per slot even with several deliver workers."""
        with transaction(self._engine, write=True) as conn:
            rows = outbox_repo.claim_digest(conn, owner, chat_id, up_to, now, lease_until)
        return [to_pending_alert(row, item) for row, item in rows]

    def get_delivery(self, delivery_id: int) -> PendingAlert | None:
        """One outbox row with its item and subscription query (for an alert's Why? button); None: gone."""
        with transaction(self._engine, write=False) as conn:
            found = outbox_repo.delivery_row(conn, delivery_id)
        return None if found is None else to_pending_alert(*found)

    def digest_alerts(self, chat_id: int, up_to: datetime, now: datetime) -> list[PendingAlert]:
        """The chat's due digest rows of every slot up to ``up_to`` (one digest: missed slots go along)."""
        with transaction(self._engine, write=False) as conn:
            rows = outbox_repo.digest_rows(conn, chat_id, up_to, now)
        return [to_pending_alert(row, item) for row, item in rows]
