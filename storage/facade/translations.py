"""The translation cache and the translator's daily budgets."""

from __future__ import annotations

from datetime import date, datetime

from feeds.translation import Translation
from storage import translations_repo
from storage.db.engine import transaction
from storage.facade.base import StoreBase


class Translations(StoreBase):
    """Cached machine translations per (item, language); characters spent per UTC day and chat."""

    def cached_translation(self, item_id: int, language: str) -> Translation | None:
        """The item's stored translation into ``language``; None when there is none."""
        with transaction(self._engine, write=False) as conn:
            return translations_repo.cached(conn, item_id, language)

    def save_translation(self, item_id: int, translation: Translation, now: datetime) -> None:
        """Store (or replace) the item's translation; it is deleted with the item."""
        with transaction(self._engine, write=True) as conn:
            translations_repo.save(conn, item_id, translation, now)

    def spend_translation_characters(
        self, chat_id: int, characters: int, day: date, *, daily: int, chat_daily: int
    ) -> bool:
        """Count the characters against the day's budgets (all chats, this chat); False: over budget."""
        with transaction(self._engine, write=True) as conn:
            return translations_repo.spend(conn, chat_id, characters, day, daily=daily, chat_daily=chat_daily)

    def refund_translation_characters(self, chat_id: int, characters: int, day: date) -> None:
        """Give back characters counted on ``day`` for a call that failed (the count never goes below 0)."""
        with transaction(self._engine, write=True) as conn:
            translations_repo.refund(conn, chat_id, characters, day)
