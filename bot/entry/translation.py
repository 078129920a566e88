"""The translator of ``[translate]``, built once for the process (None: not configured)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.ops.metrics import process_metrics
from bot.settings.model import TranslateSettings
from bot.translate.deepl import DeepL
from bot.translate.google import GoogleTranslate
from bot.translate.libretranslate import LibreTranslate
from bot.translate.ports import TranslationStore
from bot.translate.providers import Provider
from bot.translate.service import Budgets, TranslationService


def make_provider(settings: TranslateSettings) -> Provider | None:
    """The configured provider's adapter; None without a provider (or without the key it needs)."""
    key = settings.api_key
    if settings.provider == "libretranslate" and settings.url:
        return LibreTranslate(settings.url, key)
    if settings.provider == "deepl" and key:
        return DeepL(key, settings.url)
    if settings.provider == "google" and key:
        return GoogleTranslate(key, settings.url)
    return None


def translation_service(
    settings: TranslateSettings,
    store: TranslationStore,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> TranslationService | None:
    """The process's translation service over ``store``; None when ``[translate]`` names no provider."""
    provider = make_provider(settings)
    if provider is None:
        return None
    return TranslationService(
        provider,
        store,
        clock,
        budgets=Budgets(settings.daily_characters, settings.chat_daily_characters),
        timeout=settings.timeout_seconds,
        metrics=process_metrics(),
    )
