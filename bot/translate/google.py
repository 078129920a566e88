"""Google Cloud Translation Basic (v2): ``POST /language/translate/v2?key=…`` ``{q: [...], target,
format: "text"}`` → ``{data: {translations: [{translatedText, detectedSourceLanguage}]}}``; 403 when the
quota is spent (also 429)."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp

from bot.translate.http import TranslatorError, post_json, strings
from bot.translate.providers import Batch
from feeds.translation import Unavailable

DEFAULT_URL = "https://translation.googleapis.com"
_TARGETS = {"en": "en", "zh-Hans": "zh-CN", "zh-Hant": "zh-TW"}
_QUOTA = frozenset({403})


class GoogleTranslate:
    """Google's Cloud Translation v2 with an API key."""

    name = "Google"
    has_traditional = True

    def __init__(self, api_key: str, url: str | None = None) -> None:
        self._url = (url or DEFAULT_URL).rstrip("/") + "/language/translate/v2"
        self._params = {"key": api_key}

    async def translate(
        self, session: aiohttp.ClientSession, texts: Sequence[str], target: str, timeout: float
    ) -> Batch:
        """One ``translate/v2`` call for every text."""
        payload = {"q": list(texts), "target": _TARGETS[target], "format": "text"}
        answer = await post_json(
            session, self._url, payload, timeout=timeout, params=self._params, quota_statuses=_QUOTA
        )
        data = answer.get("data") if isinstance(answer, dict) else None
        rows = data.get("translations") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise TranslatorError(Unavailable.BAD_ANSWER, "unexpected answer shape")
        detected = rows[0].get("detectedSourceLanguage") if rows else None
        texts_out = strings([row.get("translatedText") for row in rows], len(texts))
        return Batch(texts_out, detected if isinstance(detected, str) else None)
