"""LibreTranslate: ``POST {url}/translate`` ``{q: [...], source: "auto", target, format: "text"}`` →
``{translatedText: [...], detectedLanguage: [...]}``; the key, when the server wants one, in ``api_key``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.translate.http import post_json, strings
from bot.translate.providers import Batch

_TARGETS = {"en": "en", "zh-Hans": "zh", "zh-Hant": "zh"}  # no Traditional: converted with OpenCC


class LibreTranslate:
    """A LibreTranslate server (usually self-hosted)."""

    name = "LibreTranslate"
    has_traditional = False

    def __init__(self, url: str, api_key: str | None = None) -> None:
        self._url = url.rstrip("/") + "/translate"
        self._key = api_key

    async def translate(
        self, session: aiohttp.ClientSession, texts: Sequence[str], target: str, timeout: float
    ) -> Batch:
        """One ``/translate`` call for every text."""
        payload: dict[str, Any] = {"q": list(texts), "source": "auto", "target": _TARGETS[target]}
        payload["format"] = "text"
        if self._key:
            payload["api_key"] = self._key
        answer = await post_json(session, self._url, payload, timeout=timeout)
        if not isinstance(answer, dict):
            return Batch(strings(None, len(texts)))
        detected = answer.get("detectedLanguage")
        first = detected[0] if isinstance(detected, list) and detected else detected
        language = first.get("language") if isinstance(first, dict) else None
        return Batch(strings(answer.get("translatedText"), len(texts)), language)
