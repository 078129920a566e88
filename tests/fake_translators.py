"""Loopback fakes of the three translators, each following its documented API.

- LibreTranslate: ``POST /translate`` ``{q, source, target, format}`` → ``{translatedText, detectedLanguage}``
- DeepL: ``POST /v2/translate``, ``Authorization: DeepL-Auth-Key …``, ``{text: [...], target_lang}`` →
  ``{translations: [{detected_source_language, text}]}``; 403 for a wrong key, 429, 456 (quota)
- Google v2: ``POST /language/translate/v2?key=…`` ``{q: [...], target, format}`` →
  ``{data: {translations: [{translatedText, detectedSourceLanguage}]}}``; 400 for a missing key, 403

"Translating" marks each text with its target: ``[en] text``; Chinese targets answer in Chinese
(``汉语:`` or ``漢語:`` before the text), so a conversion to Traditional shows. ``fault`` makes every
answer fail one way (a status, HTML, an empty body, 1 MB, invalid JSON, the wrong shape); ``delay``
holds every answer that long.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

KEY = "secret-key:fx"


def fake_translation(text: str, target: str) -> str:
    """What the fakes answer for ``text`` into ``target``."""
    if target.lower() in ("zh", "zh-hans", "zh-cn"):
        return f"汉语:{text}"
    if target.lower() in ("zh-hant", "zh-tw"):
        return f"漢語:{text}"
    return f"[{target.lower()}] {text}"


FAULTS: dict[str, tuple[int, str, str]] = {  # fault -> status, content type, body
    "html": (200, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "empty": (200, "application/json", ""),
    "huge": (200, "application/json", json.dumps({"translatedText": ["x" * 1_000_000]})),
    "invalid": (200, "application/json", '{"translatedText": ['),
    "shape": (200, "application/json", json.dumps({"unexpected": True})),
    "429": (429, "application/json", '{"message": "Too many requests"}'),
    "456": (456, "application/json", '{"message": "Quota exceeded"}'),
    "403": (403, "application/json", '{"error": {"code": 403, "message": "Daily Limit Exceeded"}}'),
    "500": (500, "text/plain", "internal error"),
}


@dataclass
class FakeTranslators:
    """The three fakes on one loopback server; ``requests`` records (path, headers, query, JSON body)."""

    base: str = ""
    fault: str | None = None
    delay: float = 0.0
    empty_texts: bool = False  # answer every text with ""
    requests: list[tuple[str, dict[str, str], dict[str, str], Any]] = field(default_factory=list)

    async def _answer(self, request: web.Request, build: Any) -> web.Response:
        body = await request.json()
        self.requests.append((request.path, dict(request.headers), dict(request.query), body))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fault is not None:
            status, kind, text = FAULTS[self.fault]
            headers = {"Retry-After": "120"} if self.fault == "429" else {}
            return web.Response(status=status, text=text, content_type=kind, headers=headers)
        return build(body)

    def _text(self, text: str, target: str) -> str:
        return "" if self.empty_texts else fake_translation(text, target)

    async def libretranslate(self, request: web.Request) -> web.Response:
        def build(body: Any) -> web.Response:
            texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
            out = [self._text(text, body["target"]) for text in texts]
            detected = [{"confidence": 90.0, "language": "en"} for _ in texts]
            if not isinstance(body["q"], list):
                return web.json_response({"translatedText": out[0], "detectedLanguage": detected[0]})
            return web.json_response({"translatedText": out, "detectedLanguage": detected})

        return await self._answer(request, build)

    async def deepl(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"DeepL-Auth-Key {KEY}":
            return web.json_response({"message": "Wrong key"}, status=403)

        def build(body: Any) -> web.Response:
            rows = [
                {"detected_source_language": "EN", "text": self._text(text, body["target_lang"])}
                for text in body["text"]
            ]
            return web.json_response({"translations": rows})

        return await self._answer(request, build)

    async def google(self, request: web.Request) -> web.Response:
        if request.query.get("key") != KEY:
            return web.json_response({"error": {"code": 400, "message": "API key not valid"}}, status=400)

        def build(body: Any) -> web.Response:
            rows = [
                {"translatedText": self._text(text, body["target"]), "detectedSourceLanguage": "en"}
                for text in body["q"]
            ]
            return web.json_response({"data": {"translations": rows}})

        return await self._answer(request, build)


@asynccontextmanager
async def fake_translators() -> AsyncIterator[FakeTranslators]:
    """The fakes, serving on 127.0.0.1 until the block ends."""
    fakes = FakeTranslators()
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_post("/translate", fakes.libretranslate)
    app.router.add_post("/v2/translate", fakes.deepl)
    app.router.add_post("/language/translate/v2", fakes.google)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fakes.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield fakes
    finally:
        await runner.cleanup()
