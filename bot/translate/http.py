"""The one HTTP call every provider makes: POST JSON, read at most ``MAX_ANSWER_BYTES``, parse JSON.

Failures become ``TranslatorError`` with the ``Unavailable`` reason; the message never holds the key
(the URL's query string, where Google's key goes, is never logged or raised)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from feeds.translation import Unavailable

logger = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 256 * 1024  # three short texts translated never come near this
QUOTA_STATUSES = frozenset({456})  # DeepL: quota exceeded; Google's 403 is passed by its adapter


class TranslatorError(Exception):
    """The translator gave no usable answer; ``reason`` says why, ``retry_after`` how long it asks us to
    wait (429), in seconds."""

    def __init__(self, reason: Unavailable, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.retry_after = retry_after


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return None


async def post_json(
    session: aiohttp.ClientSession,
    url: str,
    payload: object,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    quota_statuses: frozenset[int] = QUOTA_STATUSES,
) -> Any:
    """POST ``payload`` as JSON and return the decoded JSON answer; ``TranslatorError`` otherwise."""
    try:
        async with asyncio.timeout(timeout):
            async with session.post(url, json=payload, headers=headers, params=params) as response:
                if response.status == 429:
                    raise TranslatorError(Unavailable.QUOTA, "429", _retry_after(response.headers))
                if response.status in quota_statuses:
                    raise TranslatorError(Unavailable.QUOTA, str(response.status))
                if response.status != 200:
                    raise TranslatorError(Unavailable.DOWN, f"HTTP {response.status}")
                body = await response.content.read(MAX_ANSWER_BYTES + 1)
    except TimeoutError:
        raise TranslatorError(Unavailable.TIMEOUT, f"no answer in {timeout:g} s") from None
    except aiohttp.ClientError as exc:
        raise TranslatorError(Unavailable.DOWN, type(exc).__name__) from None
    if len(body) > MAX_ANSWER_BYTES:
        raise TranslatorError(Unavailable.BAD_ANSWER, "answer too large")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TranslatorError(Unavailable.BAD_ANSWER, "not JSON") from None


def strings(values: object, count: int) -> list[str]:
    """``values`` as ``count`` strings; ``TranslatorError`` (bad answer) for any other shape."""
    if not isinstance(values, list) or len(values) != count or not all(isinstance(v, str) for v in values):
        raise TranslatorError(Unavailable.BAD_ANSWER, "unexpected answer shape")
    return values
