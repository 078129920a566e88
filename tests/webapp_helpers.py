"""The Mini App under test: init data signed as Telegram signs it (computed here, independently of
``bot.web.initdata``), and a real ``WebAppServer`` on 127.0.0.1 over the real chat service and store."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from bot.chat.service import ChatService
from bot.web.ports import WebAppStore
from bot.web.server import WebAppServer

TOKEN = "123456:TEST-token_for-the-mini-app"


def init_data(
    user_id: int,
    auth_date: datetime,
    *,
    token: str = TOKEN,
    language: str | None = "en",
    extra: dict[str, str] | None = None,
) -> str:
    """The query string Telegram hands a Mini App (``tgWebAppData``), signed as core.telegram.org/bots/webapps
    says."""
    user: dict[str, Any] = {"id": user_id, "first_name": "Lin", "username": f"user{user_id}"}
    if language:
        user["language_code"] = language
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "auth_date": str(int(auth_date.timestamp())),
        "signature": "c2lnbmF0dXJlLW9mLXRoZS10aGlyZC1wYXJ0eS1rZXk",
        **(extra or {}),
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


@asynccontextmanager
async def running_webapp(
    service: ChatService,
    store: WebAppStore,
    clock: Callable[[], datetime],
    *,
    admins: frozenset[int] = frozenset(),
    max_age: timedelta = timedelta(hours=24),
) -> AsyncIterator[WebAppServer]:
    """The Mini App's server on a free port of 127.0.0.1, for the length of the block."""
    server = WebAppServer(
        service, store, token=TOKEN, listen=("127.0.0.1", 0), max_age=max_age, admins=admins, clock=clock
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
