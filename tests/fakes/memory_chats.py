"""The in-memory store's chats, subscriptions and volume settings (``ChatStore``, ``MembershipStore``,
``SubscriptionStore``, ``SettingsStore``, ``VolumeStore``): the same rules as ``storage`` —
``storage.chats_repo.query_key`` for duplicates, ``feeds.volume.decide`` when alerts are re-held."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from feeds.models import Chat, ChatKind, DeliveryStatus, Subscription
from feeds.values import DuplicateSubscriptionError, VolumeCounts
from feeds.volume import ChatVolume, Hold, HoldKind, QuietWindow, SubscriptionVolume, decide
from storage.chats_repo import query_key
from storage.volume_repo import zone_of
from tests.fakes.memory_rows import WAITING, ChatRow, MemoryBase, SubscriptionRow, unit


class MemoryChats(MemoryBase):
    """Chats and their subscriptions."""

    @unit
    def touch_chat(self, chat_id: int, kind: ChatKind) -> Chat:
        row = self._tables.chats.get(chat_id)
        if row is None:
            row = self._tables.chats[chat_id] = ChatRow(Chat(chat_id, kind))
        else:
            row.chat = replace(row.chat, kind=kind, active=True)
        return row.chat

    @unit
    def get_chat(self, chat_id: int) -> Chat | None:
        row = self._tables.chats.get(chat_id)
        return None if row is None else row.chat

    @unit
    def set_paused(self, chat_id: int, paused: bool) -> None:
        if (row := self._tables.chats.get(chat_id)) is not None:
            row.chat = replace(row.chat, paused=paused)

    @unit
    def set_chat_language(self, chat_id: int, language: str | None) -> None:
        if (row := self._tables.chats.get(chat_id)) is not None:
            row.chat = replace(row.chat, language=language)

    @unit
    def set_sender_language(self, chat_id: int, language: str | None) -> None:
        if (row := self._tables.chats.get(chat_id)) is not None:
            row.chat = replace(row.chat, sender_language=language)

    @unit
    def deactivate_chat(self, chat_id: int) -> int:
        if (row := self._tables.chats.get(chat_id)) is not None:
            row.chat = replace(row.chat, active=False)
        return self._cancel_waiting(chat_id=chat_id)

    @unit
    def migrate_chat(self, old_chat_id: int, new_chat_id: int, kind: ChatKind) -> None:
        old = self._tables.chats.get(old_chat_id)
        existed = new_chat_id in self._tables.chats
        self.touch_chat(new_chat_id, kind)
        if old is None:
            return
        new = self._tables.chats[new_chat_id]
        if not existed:  # the supergroup starts with the group's settings
            chat = old.chat
            new.chat = replace(new.chat, paused=chat.paused, language=chat.language)
            new.chat = replace(new.chat, sender_language=chat.sender_language)
            new.zone, new.digest, new.quiet = old.zone, old.digest, old.quiet
        self._move_subscriptions(old_chat_id, new_chat_id)
        taken = {row.story_id for row in self._tables.deliveries.values() if row.chat_id == new_chat_id}
        for row in self._tables.deliveries.values():
            if row.chat_id == old_chat_id and row.story_id not in taken:
                row.chat_id = new_chat_id
        old.chat = replace(old.chat, active=False)
        self._cancel_waiting(chat_id=old_chat_id)

    def _move_subscriptions(self, old_chat_id: int, new_chat_id: int) -> None:
        """Queries the new chat lacks move; twins are dropped, their deliveries re-pointed to the twin."""
        subs = self._tables.subscriptions
        new_keys = {r.key: sub_id for sub_id, r in subs.items() if r.subscription.chat_id == new_chat_id}
        for sub_id, row in list(subs.items()):
            if row.subscription.chat_id != old_chat_id:
                continue
            twin = new_keys.get(row.key)
            if twin is None:
                row.subscription = replace(row.subscription, chat_id=new_chat_id)
                continue
            for delivery in self._tables.deliveries.values():
                if delivery.subscription_id == sub_id:
                    delivery.subscription_id = twin
            del subs[sub_id]

    @unit
    def add_subscription(self, chat_id: int, query: str, now: datetime) -> Subscription:
        if chat_id not in self._tables.chats:
            raise LookupError(f"no chat {chat_id}: touch_chat first")
        existing = self._find(chat_id, query)
        if existing is not None:
            raise DuplicateSubscriptionError(existing.subscription)
        sub_id = self._tables.next_id("subscriptions")
        subscription = Subscription(sub_id, chat_id, query, now)
        self._tables.subscriptions[sub_id] = SubscriptionRow(subscription, query_key(query))
        return subscription

    def _find(self, chat_id: int, query: str) -> SubscriptionRow | None:
        key = query_key(query)
        rows = self._tables.subscriptions.values()
        return next((r for r in rows if r.subscription.chat_id == chat_id and r.key == key), None)

    def _subscriptions(self, chat_id: int | None = None) -> list[SubscriptionRow]:
        rows = sorted(self._tables.subscriptions.items())
        return [row for _, row in rows if chat_id is None or row.subscription.chat_id == chat_id]

    def _owned(self, chat_id: int, subscription_id: int) -> SubscriptionRow | None:
        row = self._tables.subscriptions.get(subscription_id)
        return row if row is not None and row.subscription.chat_id == chat_id else None

    @unit
    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        return [row.subscription for row in self._subscriptions(chat_id)]

    @unit
    def count_subscriptions(self, chat_id: int) -> int:
        return len(self._subscriptions(chat_id))

    @unit
    def remove_subscription(self, chat_id: int, subscription_id: int) -> Subscription | None:
        row = self._owned(chat_id, subscription_id)
        if row is None:
            return None
        self._cancel_waiting(subscription_id=subscription_id)
        for delivery in self._tables.deliveries.values():  # ON DELETE SET NULL keeps the outbox history
            if delivery.subscription_id == subscription_id:
                delivery.subscription_id = None
        del self._tables.subscriptions[subscription_id]
        return row.subscription

    @unit
    def remove_subscription_by_query(self, chat_id: int, query: str) -> Subscription | None:
        found = self._find(chat_id, query)
        return None if found is None else self.remove_subscription(chat_id, found.subscription.id)

    @unit
    def set_spike_alerts(self, chat_id: int, subscription_id: int, on: bool) -> Subscription | None:
        row = self._owned(chat_id, subscription_id)
        if row is None:
            return None
        row.subscription = replace(row.subscription, spike_alerts=on)
        return row.subscription

    @unit
    def all_subscriptions(self) -> list[Subscription]:
        return [row.subscription for row in self._subscriptions()]

    @unit
    def subscription_chats(self) -> dict[int, int]:
        return {sub_id: row.subscription.chat_id for sub_id, row in self._tables.subscriptions.items()}

    @unit
    def subscriptions_by_ids(self, ids: Sequence[int]) -> list[Subscription]:
        wanted = set(ids)
        return [row.subscription for row in self._subscriptions() if row.subscription.id in wanted]

    @unit
    def subscription_sizes(self) -> dict[int, int]:
        return {sub_id: len(row.key) for sub_id, row in self._tables.subscriptions.items()}

    @unit
    def subscriptions_signature(self) -> tuple[int, int, int, int]:
        rows = self._tables.subscriptions
        return len(rows), max(rows, default=0), sum(rows), sum(len(row.key) for row in rows.values())


class MemoryVolume(MemoryChats):
    """Zones, digest times, quiet hours and mutes; every setter re-holds the chat's waiting alerts."""

    def _chat_volume(self, chat_id: int) -> ChatVolume:
        row = self._tables.chats.get(chat_id)
        if row is None:
            return ChatVolume(zone_of(None, self._default_zone))
        return ChatVolume(zone_of(row.zone, self._default_zone), row.digest, row.quiet)

    @unit
    def chat_volume(self, chat_id: int) -> ChatVolume:
        return self._chat_volume(chat_id)

    @unit
    def subscription_volumes(self, chat_id: int) -> dict[int, SubscriptionVolume]:
        return {row.subscription.id: row.volume for row in self._subscriptions(chat_id)}

    @unit
    def volume_counts(self, chat_id: int, now: datetime) -> VolumeCounts:
        rows = [row for row in self._tables.deliveries.values() if row.chat_id == chat_id]
        sent = sum(1 for row in rows if row.sent_at is not None and row.sent_at > now - timedelta(hours=24))
        waiting = sum(1 for row in rows if row.sent_at is None and row.status in WAITING)
        return VolumeCounts(sent_24h=sent, waiting=waiting)

    def _chat_for_volume(self, chat_id: int) -> ChatRow:
        row = self._tables.chats.get(chat_id)
        if row is None:
            raise LookupError(f"no chat {chat_id}: touch_chat first")
        return row

    @unit
    def set_timezone(self, chat_id: int, zone: ZoneInfo | None, now: datetime) -> int:
        self._chat_for_volume(chat_id).zone = None if zone is None else zone.key
        return self._rehold(chat_id, now)

    @unit
    def set_chat_digest(self, chat_id: int, times: tuple[time, ...], now: datetime) -> int:
        self._chat_for_volume(chat_id).digest = tuple(times)
        return self._rehold(chat_id, now)

    @unit
    def set_quiet(self, chat_id: int, window: QuietWindow | None, now: datetime) -> int:
        self._chat_for_volume(chat_id).quiet = window
        return self._rehold(chat_id, now)

    @unit
    def set_subscription_digest(
        self, chat_id: int, subscription_ids: Sequence[int], times: tuple[time, ...] | None, now: datetime
    ) -> list[int]:
        found = [sub_id for sub_id in sorted(set(subscription_ids)) if self._owned(chat_id, sub_id)]
        for sub_id in found:
            self._tables.subscriptions[sub_id].digest = None if times is None else tuple(times)
        self._rehold(chat_id, now)
        return found

    @unit
    def set_mute(self, chat_id: int, subscription_id: int, until: datetime | None, now: datetime) -> bool:
        row = self._owned(chat_id, subscription_id)
        if row is None:
            return False
        row.mute_until = until
        if until is not None and until > now:
            for delivery in self._tables.deliveries.values():
                if delivery.subscription_id == subscription_id and delivery.status is DeliveryStatus.PENDING:
                    delivery.status, delivery.last_error = DeliveryStatus.CANCELLED, "muted"
        return True

    def _rehold(self, chat_id: int, now: datetime) -> int:
        """Re-decide the chat's held rows (digest or quiet, not yet due, never tried); returns how many
        changed (as ``storage.volume_repo.rehold``)."""
        chat = self._chat_volume(chat_id)
        subs = {row.subscription.id: row.volume for row in self._subscriptions(chat_id)}
        moved = 0
        for row in self._tables.deliveries.values():
            held = row.kind in (HoldKind.DIGEST, HoldKind.QUIET) and row.not_before is not None
            if row.chat_id != chat_id or row.status is not DeliveryStatus.PENDING or not held:
                continue
            if row.attempts or row.not_before is None or row.not_before <= now:
                continue
            volume = subs.get(row.subscription_id or 0, SubscriptionVolume())
            hold = decide(now, chat, volume)
            if hold.kind is HoldKind.MUTED:
                hold = Hold(HoldKind.INSTANT)  # muting cancels rows itself; never strand one here
            if (hold.kind, hold.not_before) != (row.kind, row.not_before):
                row.kind, row.not_before = hold.kind, hold.not_before
                moved += 1
        return moved
