"""Chats and their subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from feeds.models import Chat, ChatKind, Subscription
from feeds.values import (
    DuplicateSubscriptionError,
)
from storage import (
    chat_migration,
    chats_repo,
)
from storage.db.engine import transaction
from storage.facade.base import StoreBase


class Chats(StoreBase):
    """Chats (state, language, migration) and their subscriptions."""

    def touch_chat(self, chat_id: int, kind: ChatKind) -> Chat:
        """Create the chat or mark it active again (it talked to us); returns it."""
        with transaction(self._engine, write=True) as conn:
            return chats_repo.touch_chat(conn, chat_id, kind)

    def get_chat(self, chat_id: int) -> Chat | None:
        """One chat."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.get_chat(conn, chat_id)

    def set_paused(self, chat_id: int, paused: bool) -> None:
        """Pause or resume alerts for a chat."""
        with transaction(self._engine, write=True) as conn:
            chats_repo.set_paused(conn, chat_id, paused)

    def set_chat_language(self, chat_id: int, language: str | None) -> None:
        """Set (or with None, clear) a chat's language; ``get_chat(...).language`` reads it back."""
        with transaction(self._engine, write=True) as conn:
            chats_repo.set_language(conn, chat_id, language)

    def set_sender_language(self, chat_id: int, language: str | None) -> None:
        """Remember the language of the chat's last sender (alerts use it while the chat chose none)."""
        with transaction(self._engine, write=True) as conn:
            chats_repo.set_language(conn, chat_id, language, sender=True)

    def deactivate_chat(self, chat_id: int) -> int:
        """Mark a chat inactive (blocked, kicked, not found) and cancel its pending alerts; returns count."""
        with transaction(self._engine, write=True) as conn:
            return chats_repo.deactivate_chat(conn, chat_id)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, kind: ChatKind) -> None:
        """A group became a supergroup: move subscriptions and pending deliveries to the new id."""
        with transaction(self._engine, write=True) as conn:
            chat_migration.migrate_chat(conn, old_chat_id, new_chat_id, kind)

    def add_subscription(self, chat_id: int, query: str, now: datetime) -> Subscription:
        """Store a subscription; raises ``DuplicateSubscriptionError`` for the same query text in the chat.

        The chat must exist (``touch_chat``); else ``LookupError``."""
        with transaction(self._engine, write=True) as conn:
            created = chats_repo.add_subscription(conn, chat_id, query, now)
            existing = None if created else chats_repo.find_subscription(conn, chat_id, query)
        if created is None:
            assert existing is not None
            raise DuplicateSubscriptionError(existing)
        return created

    def rewrite_subscription(
        self, chat_id: int, subscription_id: int, expected: str, query: str
    ) -> Subscription | None:
        """Replace the text of the chat's subscription (same id) while it is still ``expected``; None when
        it is gone or was changed meanwhile; ``DuplicateSubscriptionError`` when the chat has ``query``."""
        with transaction(self._engine, write=True) as conn:
            existing = chats_repo.find_subscription(conn, chat_id, query)
            if existing is None or existing.id == subscription_id:
                return chats_repo.rewrite_subscription(conn, chat_id, subscription_id, expected, query)
        raise DuplicateSubscriptionError(existing)

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's subscriptions by id."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.list_subscriptions(conn, chat_id)

    def count_subscriptions(self, chat_id: int) -> int:
        """How many subscriptions a chat holds."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.count_subscriptions(conn, chat_id)

    def remove_subscription(self, chat_id: int, subscription_id: int) -> Subscription | None:
        """Delete by id within the chat; returns what was deleted, or None."""
        with transaction(self._engine, write=True) as conn:
            return chats_repo.remove_subscription(conn, chat_id, subscription_id)

    def remove_subscription_by_query(self, chat_id: int, query: str) -> Subscription | None:
        """Delete by exact query text (whitespace-normalized) within the chat."""
        with transaction(self._engine, write=True) as conn:
            found = chats_repo.find_subscription(conn, chat_id, query)
            return None if found is None else chats_repo.remove_subscription(conn, chat_id, found.id)

    def all_subscriptions(self) -> list[Subscription]:
        """Every subscription (for building the match index)."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.list_subscriptions(conn, None)

    def subscription_chats(self) -> dict[int, int]:
        """Every subscription's chat id, by subscription id (the match stage's periodic full comparison)."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.subscription_chats(conn)

    def subscriptions_by_ids(self, ids: Sequence[int]) -> list[Subscription]:
        """These subscriptions, those that still exist, by id."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.subscriptions_by_ids(conn, ids)

    def subscription_sizes(self) -> dict[int, int]:
        """Every subscription's text length (whitespace collapsed), by id."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.subscription_sizes(conn)

    def subscriptions_signature(self) -> tuple[int, int, int, int]:
        """A cheap fingerprint of the subscription set: (count, max id, sum of ids, sum of text lengths)."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.subscriptions_signature(conn)
