"""DeepL: ``POST /v2/translate`` with ``Authorization: DeepL-Auth-Key …``, ``{text: [...], target_lang}`` →
``{translations: [{detected_source_language, text}]}``; 429 too many requests, 456 quota exceeded.
A key ending in ``:fx`` is a free account's and goes to the free endpoint."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp

from bot.translate.http import TranslatorError, post_json, strings
from bot.translate.providers import Batch
from feeds.translation import Unavailable

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
_TARGETS = {"en": "EN-US", "zh-Hans": "ZH-HANS", "zh-Hant": "ZH-HANT"}


def default_url(api_key: str) -> str:
    """DeepL's endpoint for this key: free for ``…:fx`` keys, pro otherwise."""
    return FREE_URL if api_key.endswith(":fx") else PRO_URL


class DeepL:
    """DeepL's API (free or pro)."""

    name = "DeepL"
    has_traditional = True

    def __init__(self, api_key: str, url: str | None = None) -> None:
        self._url = (url or default_url(api_key)).rstrip("/") + "/v2/translate"
        self._headers = {"Authorization": f"DeepL-Auth-Key {api_key}"}

    async def translate(
        self, session: aiohttp.ClientSession, texts: Sequence[str], target: str, timeout: float
    ) -> Batch:
        """One ``/v2/translate`` call for every text."""
        payload = {"text": list(texts), "target_lang": _TARGETS[target]}
        answer = await post_json(session, self._url, payload, timeout=timeout, headers=self._headers)
        rows = answer.get("translations") if isinstance(answer, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise TranslatorError(Unavailable.BAD_ANSWER, "unexpected answer shape")
        detected = rows[0].get("detected_source_language") if rows else None
        return Batch(strings([row.get("text") for row in rows], len(texts)), _lower(detected))


def _lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None
