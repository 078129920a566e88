"""What every provider adapter offers: its name, and a batch of texts translated in one call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import aiohttp


@dataclass(frozen=True, slots=True)
class Batch:
    """Texts translated in one call, in order, and the source language the provider detected (if it said)."""

    texts: list[str]
    detected: str | None = None


class Provider(Protocol):
    """A translator's HTTP API. ``target`` is ``en``, ``zh-Hans`` or ``zh-Hant``; a provider without
    Traditional Chinese answers in Simplified and says so with ``has_traditional`` False."""

    name: str
    has_traditional: bool

    async def translate(
        self, session: aiohttp.ClientSession, texts: Sequence[str], target: str, timeout: float
    ) -> Batch:
        """The texts translated, in order (one HTTP call); ``TranslatorError`` when there is no answer."""
        ...
