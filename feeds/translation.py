"""Translation values: what a Translate press asks for, what the cache holds, and why none came."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class TranslationRequest:
    """An alert's text to translate into ``target`` (``en``, ``zh-Hans`` or ``zh-Hant``) for one chat."""

    item_id: int
    chat_id: int
    target: str
    title: str
    summary: str
    sentence: str = ""
    source: str | None = None  # the item's language, when known

    @property
    def characters(self) -> int:
        """What the press costs against the daily budgets."""
        return len(self.title) + len(self.summary) + len(self.sentence)


@dataclass(frozen=True, slots=True)
class Translation:
    """An item's headline, summary and matched sentence in ``language``, by ``provider`` (cached)."""

    language: str
    provider: str
    source_language: str | None
    title: str
    summary: str
    sentence: str
    sentence_source: str = ""  # the sentence as written: a press with another sentence translates anew


class Unavailable(StrEnum):
    """Why a press got no translation (the metric's ``result`` and the reply's reason)."""

    QUOTA = "quota"  # the provider's quota (429 after backoff, DeepL 456, Google 403) or our budget spent
    DOWN = "down"  # no connection, a 5xx, or resting after a failure
    TIMEOUT = "timeout"
    BAD_ANSWER = "bad_answer"  # HTML, invalid JSON, too large, the wrong shape


@dataclass(frozen=True, slots=True)
class TranslationOutcome:
    """A translation, or why there is none."""

    translation: Translation | None
    unavailable: Unavailable | None = None
    cached: bool = False
