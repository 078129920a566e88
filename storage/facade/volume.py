"""Volume control: a chat's zone, digest times, quiet hours and mutes, and /status counts.

Every setter re-decides the chat's held rows in the same transaction (``volume_repo.rehold``): ``/quiet
off`` releases quiet-held alerts at once, a new digest schedule or zone moves waiting rows to the new slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from feeds.values import (
    VolumeCounts,
)
from feeds.volume import ChatVolume, QuietWindow, SubscriptionVolume, format_times
from storage import (
    volume_repo,
)
from storage.db.engine import transaction
from storage.facade.base import StoreBase


class Volume(StoreBase):
    """Volume settings of chats and subscriptions, and the counts /status shows."""

    @property
    def default_zone(self) -> ZoneInfo:
        """The zone of chats that have not chosen one (``[chat] default_timezone``)."""
        return volume_repo.zone_of(None, self._default_zone)

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

    def set_timezone(self, chat_id: int, zone: ZoneInfo | None, now: datetime) -> int:
        """Set the chat's zone (None: back to the default); waiting digests move to the new local times."""
        return self._set_chat(chat_id, now, timezone=None if zone is None else zone.key)

    def set_chat_digest(self, chat_id: int, times: tuple[clock_time, ...], now: datetime) -> int:
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
        self,
        chat_id: int,
        subscription_ids: Sequence[int],
        times: tuple[clock_time, ...] | None,
        now: datetime,
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
