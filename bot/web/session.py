"""Who calls the API: init data checked, calls counted, the chat allowed, then the chat's context in its
language — the same session the chat's router opens for a command."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.chat.context import ChatContext, chat_translator
from bot.chat.i18n import N_, Translator
from bot.chat.render import html_to_plain
from bot.chat.replies import Reply
from bot.chat.service import ChatService
from bot.web.guard import TRANSLATOR, ApiError, RateLimit, authenticate
from bot.web.ports import WebAppStore
from feeds.models import ChatKind
from feeds.values import StoreUnavailableError

NOT_ALLOWED = N_("Sorry, this Wirewatch bot is private to its owner's chats.")
SLOW_DOWN = N_("Too many requests. Please wait a minute.")
BAD_BODY = N_("The request is not valid JSON.")
UNAVAILABLE = N_("The database is not answering right now. Please try again in a minute.")


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated API call: the chat's context (language resolved) and its translator."""

    ctx: ChatContext
    t: Translator


@dataclass
class Gate:
    """What every API call goes through before its handler."""

    service: ChatService
    store: WebAppStore
    token: str
    max_age: timedelta
    admins: frozenset[int]
    rate: RateLimit
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def open(self, request: web.Request) -> Caller:
        """401 bad init data, 429 too many calls, 403 a chat not allowed; else the caller."""
        user = authenticate(request, self.token, self.max_age, self.clock)
        if not self.rate.allow(user.id):
            raise ApiError(429, "too_many_requests", SLOW_DOWN)
        if not self.service.allows(user.id):
            raise ApiError(403, "forbidden", NOT_ALLOWED)
        ctx = ChatContext(user.id, ChatKind.PRIVATE, user.id, language_code=user.language_code)
        ctx = await self.service.session(ctx, touch=False)
        caller = Caller(ctx, chat_translator(ctx))
        request[TRANSLATOR] = caller.t
        return caller


ApiHandler = Callable[[web.Request, Caller], Awaitable[web.StreamResponse]]


def api(gate: Gate, handler: ApiHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """``handler`` behind the gate; a database outage answers 503."""

    async def gated(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request, await gate.open(request))
        except StoreUnavailableError:
            raise ApiError(503, "unavailable", UNAVAILABLE) from None

    return gated


async def body(request: web.Request) -> dict[str, Any]:
    """The JSON object a request carries; 400 otherwise (413 from the size check first)."""
    try:
        value = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", BAD_BODY) from None
    if not isinstance(value, dict):
        raise ApiError(400, "bad_request", BAD_BODY)
    return value


def plain(reply: Reply) -> str:
    """A chat reply as the plain text the page shows."""
    return html_to_plain(reply.html).strip()
