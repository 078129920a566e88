"""The in-memory store's deliveries outbox (``MatchStore``'s enqueue, ``OutboxStore``, ``AlertStore``):
matches become rows as ``feeds.eligibility.eligible_alerts`` decides, one per (chat, story) ever; senders
claim whole chats with a lease, and only the lease holder settles (as ``storage.outbox``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from feeds.eligibility import ItemFacts, SubscriptionFacts, eligible_alerts
from feeds.models import ChatKind, DeliveryStatus, Item
from feeds.values import Claim, DueDigest, MatchRecord, PendingAlert
from feeds.volume import HoldKind
from storage.outbox.claims import HANDOFF
from storage.outbox.views import ALERT_BODY_CHARS
from tests.fakes.memory_chats import MemoryVolume
from tests.fakes.memory_items import MemoryItems
from tests.fakes.memory_rows import DeliveryRow, unit

PENDING, SENDING, SENT = DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT


class MemoryOutbox(MemoryVolume, MemoryItems):
    """Enqueue, claims, settlement and the views of the alert outbox; worker heartbeats."""

    @unit
    def record_matches(self, item_ids: Sequence[int], matches: Sequence[MatchRecord], now: datetime) -> int:
        items = {
            m.item_id: ItemFacts(row.item.story_id, row.item.first_seen_at)
            for m in matches
            if (row := self._tables.items.get(m.item_id)) is not None
        }
        subs: dict[int, SubscriptionFacts] = {}
        for match in matches:
            sub = self._tables.subscriptions.get(match.subscription_id)
            if sub is None or not self._sendable(sub.subscription.chat_id, None):
                continue
            chat_id, created_at = sub.subscription.chat_id, sub.subscription.created_at
            chat = self._chat_volume(chat_id)
            subs[match.subscription_id] = SubscriptionFacts(chat_id, created_at, chat, sub.volume)
        taken = {(row.chat_id, row.story_id) for row in self._tables.deliveries.values()}
        created = 0
        for alert in eligible_alerts(matches, items, subs, now):
            if (alert.chat_id, alert.story_id) in taken:
                continue
            row_id = self._tables.next_id("deliveries")
            self._tables.deliveries[row_id] = DeliveryRow(
                id=row_id,
                chat_id=alert.chat_id,
                story_id=alert.story_id,
                item_id=alert.match.item_id,
                subscription_id=alert.match.subscription_id,
                created_at=now,
                kind=alert.hold.kind,
                not_before=alert.hold.not_before,
            )
            created += 1
        for item_id in item_ids:
            if (item := self._tables.items.get(item_id)) is not None:
                item.queued = False
        return created

    @unit
    def match_batch(
        self,
        limit: int,
        match: Callable[[list[Item]], Iterable[tuple[Sequence[int], Sequence[MatchRecord]]]],
        now: datetime,
    ) -> tuple[int, int]:
        batch = [row.item for _, row in sorted(self._tables.items.items()) if row.queued][:limit]
        created = 0
        for item_ids, matches in match(batch) if batch else ():
            created += self.record_matches(item_ids, matches, now)
        return len(batch), created

    # --- views -------------------------------------------------------------------------------------------
    def _alert(self, row: DeliveryRow, *, whole: bool = False) -> PendingAlert:
        item = self._tables.items[row.item_id].item
        if not whole:  # what an alert renders: at most a message of the body
            item = replace(item, body=item.body[:ALERT_BODY_CHARS])
        sub = self._tables.subscriptions.get(row.subscription_id or 0)
        return PendingAlert(
            delivery_id=row.id,
            chat_id=row.chat_id,
            chat_kind=self._tables.chats[row.chat_id].chat.kind,
            story_id=row.story_id,
            item=item,
            subscription_id=row.subscription_id,
            query=None if sub is None else sub.subscription.query,
            attempts=row.attempts,
            created_at=row.created_at,
            kind=row.kind.value,
            digest_slot=row.digest_slot,
        )

    def _rows(self) -> list[DeliveryRow]:
        return [row for _, row in sorted(self._tables.deliveries.items())]

    @staticmethod
    def _due(row: DeliveryRow, now: datetime) -> bool:
        """A pending instant row whose time has come."""
        passed = row.not_before is None or row.not_before <= now
        return row.status is PENDING and row.kind is not HoldKind.DIGEST and passed

    @unit
    def pending_alerts(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[PendingAlert]:
        wanted = None if kinds is None else frozenset(kinds)
        rows = [r for r in self._rows() if self._due(r, now) and self._sendable(r.chat_id, wanted)]
        return [self._alert(row) for row in rows[:limit]]

    @unit
    def count_pending(self, chat_id: int | None = None) -> int:
        rows = self._tables.deliveries.values()
        return sum(1 for r in rows if r.status in (PENDING, SENDING) and chat_id in (None, r.chat_id))

    @unit
    def get_delivery(self, delivery_id: int) -> PendingAlert | None:
        row = self._tables.deliveries.get(delivery_id)
        return None if row is None else self._alert(row, whole=True)

    # --- claims ------------------------------------------------------------------------------------------
    @unit
    def claim_alerts(self, claim: Claim, now: datetime) -> list[PendingAlert]:
        self._expire(claim.owner, now)
        kinds = None if claim.kinds is None else frozenset(claim.kinds)
        rows = self._rows()
        busy = {r.chat_id for r in rows if r.status is SENDING}
        busy |= {
            r.chat_id
            for r in rows
            if r.status is SENT and r.sent_at and r.sent_at > now - HANDOFF and r.claimed_by != claim.owner
        }
        waits = self._first_retry_waiting(rows, now, instant_only=True)
        blocked = self._first_retry_waiting(rows, now, instant_only=False)
        chats: dict[int, list[DeliveryRow]] = {}  # candidate chats, the one waiting longest first
        for row in rows:
            free = row.chat_id not in busy and self._sendable(row.chat_id, kinds)
            if free and self._due(row, now) and row.id < waits.get(row.chat_id, row.id + 1):
                chats.setdefault(row.chat_id, []).append(row)
        taken: list[DeliveryRow] = []
        for chat_id, chat_rows in list(chats.items())[: claim.max_chats]:
            first = chat_rows[: claim.per_chat]
            taken += [row for row in first if row.id < blocked.get(chat_id, row.id + 1)]
        for row in taken:
            row.status, row.claimed_by, row.lease_until = SENDING, claim.owner, claim.lease_until
        return [self._alert(row) for row in taken]

    @staticmethod
    def _first_retry_waiting(rows: list[DeliveryRow], now: datetime, *, instant_only: bool) -> dict[int, int]:
        """Per chat, the id of its first row that was tried and waits for its retry: later rows wait behind
        it (``instant_only``: a digest row's retry does not count)."""
        first: dict[int, int] = {}
        for row in rows:
            waiting = row.status is PENDING and row.attempts > 0 and row.not_before and row.not_before > now
            if waiting and not (instant_only and row.kind is HoldKind.DIGEST):
                first.setdefault(row.chat_id, row.id)
        return first

    def _expire(self, owner: str, now: datetime) -> None:
        """Rows whose lease ran out in another owner's hands go back to pending."""
        for row in self._tables.deliveries.values():
            expired = row.lease_until is not None and row.lease_until < now
            if row.status is SENDING and expired and row.claimed_by != owner:
                row.unclaim(PENDING)

    @unit
    def due_digests(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[DueDigest]:
        wanted = None if kinds is None else frozenset(kinds)
        latest: dict[int, datetime] = {}
        rows = [r for r in self._rows() if self._digest_due(r, now, now)]
        for row in sorted(rows, key=lambda r: (r.digest_slot or now, r.chat_id)):
            if not self._sendable(row.chat_id, wanted) or row.digest_slot is None:
                continue
            if row.chat_id in latest or len(latest) < limit:
                latest[row.chat_id] = max(row.digest_slot, latest.get(row.chat_id, row.digest_slot))
        return [DueDigest(chat_id, slot) for chat_id, slot in latest.items()]

    @staticmethod
    def _digest_due(row: DeliveryRow, up_to: datetime, now: datetime) -> bool:
        slot, passed = row.digest_slot, row.not_before is None or row.not_before <= now
        in_slot = slot is not None and slot <= up_to
        return row.status is PENDING and row.kind is HoldKind.DIGEST and in_slot and passed

    @unit
    def claim_digest(
        self, owner: str, chat_id: int, up_to: datetime, now: datetime, lease_until: datetime
    ) -> list[PendingAlert]:
        rows = [r for r in self._rows() if r.chat_id == chat_id]
        if chat_id not in self._tables.chats or any(r.status is SENDING for r in rows):
            return []
        taken = [r for r in rows if self._digest_due(r, up_to, now)]
        for row in taken:
            row.status, row.claimed_by, row.lease_until = SENDING, owner, lease_until
        return [self._alert(row) for row in taken]

    # --- leases and settlement ---------------------------------------------------------------------------
    def _held(self, ids: Sequence[int] | None, owner: str | None) -> list[DeliveryRow]:
        """Rows (of ``ids``) ``owner`` is sending; with no owner, those still pending."""
        wanted = None if ids is None else set(ids)
        rows = [r for r in self._rows() if wanted is None or r.id in wanted]
        if owner:
            return [r for r in rows if r.status is SENDING and r.claimed_by == owner]
        return [r for r in rows if r.status is PENDING]

    @unit
    def renew_leases(self, owner: str, lease_until: datetime) -> int:
        rows = self._held(None, owner)
        for row in rows:
            row.lease_until = lease_until
        return len(rows)

    @unit
    def release_claims(self, owner: str, delivery_ids: Sequence[int] | None = None) -> int:
        rows = self._held(delivery_ids, owner)
        for row in rows:
            row.unclaim(PENDING)
        return len(rows)

    @unit
    def mark_sent(self, delivery_ids: Sequence[int], at: datetime, owner: str) -> int:
        rows = self._held(delivery_ids, owner)
        for row in rows:  # the sender stays on the row: the chat changes hands only after HANDOFF
            row.status, row.sent_at, row.last_error, row.lease_until = SENT, at, None, None
        return len(rows)

    @unit
    def mark_retry(
        self, delivery_ids: Sequence[int], *, not_before: datetime, error: str, owner: str | None = None
    ) -> int:
        rows = self._held(delivery_ids, owner)
        for row in rows:
            row.unclaim(PENDING)
            row.attempts, row.not_before, row.last_error = row.attempts + 1, not_before, error
        return len(rows)

    @unit
    def give_up(self, delivery_ids: Sequence[int], error: str, owner: str | None = None) -> None:
        for row in self._held(delivery_ids, owner):
            row.unclaim(DeliveryStatus.CANCELLED)
            row.last_error = error

    @unit
    def worker_heartbeat(self, owner: str, role: str, now: datetime, alive_within: timedelta) -> int:
        self._tables.heartbeats[owner] = (role, now)
        beats = self._tables.heartbeats.values()
        return sum(1 for r, beat in beats if r == role and beat >= now - alive_within)

    @unit
    def forget_worker(self, owner: str) -> None:
        self._tables.heartbeats.pop(owner, None)
