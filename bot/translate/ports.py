"""What the translation service needs from storage (``storage.Store`` implements it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from feeds.translation import Translation


class TranslationStore(Protocol):
    """The translation cache and the daily budgets; synchronous (run through ``off_loop``)."""

    def cached_translation(self, item_id: int, language: str) -> Translation | None:
        """The item's stored translation into ``language``; None when there is none."""

    def save_translation(self, item_id: int, translation: Translation, now: datetime) -> None:
        """Store (or replace) the item's translation; it is deleted with the item."""

    def spend_translation_characters(
        self, chat_id: int, characters: int, day: date, *, daily: int, chat_daily: int
    ) -> bool:
        """Count the characters against the day's budgets (all chats, this chat); False: over budget."""

    def refund_translation_characters(self, chat_id: int, characters: int, day: date) -> None:
        """Give back characters counted on ``day`` for a call that failed (the count never goes below 0)."""


class TranslationMetrics(Protocol):
    """Where a press's result is counted (``bot.ops.metrics.Metrics``)."""

    def translation(self, provider: str, result: str, characters: int) -> None:
        """One press: its result and the characters sent to the provider."""
