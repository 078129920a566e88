"""The translation service behind the Translate button: cache first, then the budgets, then one call.

A press is always answered: with the cached translation (no call), a fresh one (one call for headline,
summary and sentence together), or why there is none. Presses of one item into one language take turns
in this process, so two at once make one call and the second is answered from the cache. The characters
of a call that fails are given back to the budgets. A provider that failed is rested for ``REST`` (no
call at all until then), so a translator that is down never meets a storm of retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import aiohttp

from bot.chinese import to_traditional
from bot.offload import off_loop
from bot.translate.http import TranslatorError
from bot.translate.ports import TranslationMetrics, TranslationStore
from bot.translate.providers import Provider
from feeds.translation import Translation, TranslationOutcome, TranslationRequest, Unavailable

logger = logging.getLogger(__name__)

REST = timedelta(minutes=1)
MAX_REST = timedelta(hours=1)  # the longest Retry-After we honour


@dataclass(frozen=True, slots=True)
class Budgets:
    """Characters per UTC day: all chats together, and one chat."""

    daily: int = 200_000
    chat_daily: int = 20_000


@dataclass
class _Turns:
    """The presses of one (item, language) in this process: one at a time, forgotten when none waits."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    presses: int = 0


class _NoMetrics:
    def translation(self, provider: str, result: str, characters: int) -> None:
        return None


class TranslationService:
    """Translates alerts for chats through one provider, caching per (item, language)."""

    def __init__(
        self,
        provider: Provider,
        store: TranslationStore,
        clock: Callable[[], datetime],
        *,
        budgets: Budgets = Budgets(),
        timeout: float = 10.0,
        metrics: TranslationMetrics | None = None,
    ) -> None:
        self._provider = provider
        self._store = store
        self._clock = clock
        self._budgets = budgets
        self._timeout = timeout
        self._metrics = metrics or _NoMetrics()
        self._rested_until: datetime | None = None
        self._session: aiohttp.ClientSession | None = None
        self._turns: dict[tuple[int, str], _Turns] = {}

    @property
    def provider_name(self) -> str:
        """The provider's name, as the reply credits it."""
        return self._provider.name

    async def translate(self, request: TranslationRequest) -> TranslationOutcome:
        """The request's translation: from the cache when it has it, else from the provider. A press of the
        same item and language already under way here is waited for, and its translation then reused."""
        key = (request.item_id, request.target)
        turns = self._turns.setdefault(key, _Turns())
        turns.presses += 1
        try:
            async with turns.lock:
                return await self._translate(request)
        finally:
            turns.presses -= 1
            if not turns.presses:
                del self._turns[key]

    async def _translate(self, request: TranslationRequest) -> TranslationOutcome:
        hit = await off_loop(self._store.cached_translation, request.item_id, request.target)
        if hit is not None and hit.sentence_source == request.sentence:
            self._metrics.translation(self._provider.name, "cached", 0)
            return TranslationOutcome(hit, cached=True)
        now = self._clock()
        if self._rested_until is not None and now < self._rested_until:
            return self._unavailable(Unavailable.DOWN, "resting", 0)
        spent = await off_loop(
            self._store.spend_translation_characters,
            request.chat_id,
            request.characters,
            now.date(),
            daily=self._budgets.daily,
            chat_daily=self._budgets.chat_daily,
        )
        if not spent:
            return self._unavailable(Unavailable.QUOTA, "budget", 0)
        try:
            translation = await self._call(request)
        except Exception as exc:
            await off_loop(
                self._store.refund_translation_characters, request.chat_id, request.characters, now.date()
            )
            if not isinstance(exc, TranslatorError):
                raise
            self._rest(now, exc)
            logger.warning(
                "translation_failed provider=%s reason=%s detail=%s", self._provider.name, exc.reason, exc
            )
            return self._unavailable(exc.reason, str(exc.reason), request.characters)
        await off_loop(self._store.save_translation, request.item_id, translation, self._clock())
        self._metrics.translation(self._provider.name, "ok", request.characters)
        return TranslationOutcome(translation)

    async def close(self) -> None:
        """Close the HTTP session (if one was opened)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _call(self, request: TranslationRequest) -> Translation:
        """One provider call for the non-empty texts; Traditional Chinese converted when the provider has
        none of its own."""
        texts = [request.title, request.summary, request.sentence]
        asked = [text for text in texts if text.strip()]
        batch = await self._provider.translate(self._http(), asked, request.target, self._timeout)
        answers = iter(batch.texts)
        out = [next(answers) if text.strip() else "" for text in texts]
        if request.target == "zh-Hant" and not self._provider.has_traditional:
            out = [to_traditional(text) for text in out]
        if not any(text.strip() for text in out):
            raise TranslatorError(Unavailable.BAD_ANSWER, "empty translation")
        source = batch.detected or request.source
        translation = Translation(request.target, self._provider.name, source, *out)
        return replace(translation, sentence_source=request.sentence)

    def _rest(self, now: datetime, error: TranslatorError) -> None:
        rest = REST
        if error.retry_after is not None:
            rest = min(MAX_REST, max(REST, timedelta(seconds=error.retry_after)))
        self._rested_until = now + rest

    def _unavailable(self, reason: Unavailable, result: str, characters: int) -> TranslationOutcome:
        self._metrics.translation(self._provider.name, result, characters)
        return TranslationOutcome(None, reason)


async def probe(provider: Provider, timeout: float) -> str | None:
    """One tiny request (``wirewatch doctor``); None when the provider answered, else why not."""
    async with aiohttp.ClientSession() as session:
        try:
            await provider.translate(session, ["Hello"], "zh-Hans", timeout)
        except TranslatorError as exc:
            return f"{exc.reason}: {exc}"
    return None
