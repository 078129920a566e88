"""A Translate press is answered within 1.5 s when the translator takes 1 s (slow: it really waits)."""

from __future__ import annotations

import time

from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from bot.translate.deepl import DeepL
from bot.translate.service import TranslationService
from storage.store import Store
from tests.chat.test_translate_chat import HANS, NOW, alert_in
from tests.fake_translators import KEY, fake_translators


async def test_press_within_one_and_a_half_seconds(store: Store) -> None:
    async with fake_translators() as fakes:
        fakes.delay = 1.0
        translating = TranslationService(DeepL(KEY, fakes.base), store, lambda: NOW)  # the 10 s default
        service = ChatService(store, MatchService(store), clock=lambda: NOW, translator=translating)
        delivery = await alert_in(service, store, HANS)
        started = time.perf_counter()
        answer = await service.callback(HANS, f"t:{delivery}")
        elapsed = time.perf_counter() - started
        await translating.close()
    assert answer.message is not None and "汉语:Port opens" in answer.message.html
    assert 1.0 <= elapsed < 1.5, elapsed
    assert len(fakes.requests) == 1
