"""The page's subscriptions, live preview and trends: JSON over the chat's services (/subscribe, /list,
/unsubscribe, /test and /trend call the same ones, so limits, messages and counts are the chat's)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.chat.context import bad_query
from bot.chat.groups import Groups
from bot.chat.i18n import N_
from bot.chat.query_text import describe
from bot.chat.render import html_to_plain
from bot.offload import off_loop
from bot.web.guard import ApiError
from bot.web.ports import WebAppStore
from bot.web.session import Caller, body, plain
from feeds.aliases import AliasTermError, parse_alias_term
from feeds.models import Item, Subscription
from feeds.query import Query, QueryError, parse_query
from feeds.trends import Activity
from feeds.volume import SubscriptionVolume

SPARK_DAYS = 30
TREND_DAYS = (30, 90, 365)
MAX_QUERY = 1000
MUTE_FOR = timedelta(hours=24)
ALIAS_WINDOW = timedelta(days=90)
MAX_ALIASES = 6
NO_SUCH = N_("No such subscription in this chat.")
BAD_DAYS = N_("Choose 30, 90 or 365 days.")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def subscription_json(
    sub: Subscription, seen: Activity | None = None, volume: SubscriptionVolume | None = None
) -> dict[str, Any]:
    """``{"id", "query", "spike_alerts", "sparkline", "last_match", "muted_until"}``."""
    return {
        "id": sub.id,
        "query": sub.query,
        "spike_alerts": sub.spike_alerts,
        "sparkline": list(seen.counts) if seen else [],
        "last_match": _iso(seen.last_match_at) if seen else None,
        "muted_until": _iso(volume.mute_until) if volume else None,
    }


def item_json(item: Item) -> dict[str, Any]:
    return {
        "title": item.title,
        "link": item.link,
        "feed": item.feed_name,
        "first_seen_at": item.first_seen_at.isoformat(),
    }


def query_of(value: object, caller: Caller, command: str) -> Query:
    """The query a body or parameter names; 422 with the chat's message when it does not parse."""
    text = value if isinstance(value, str) else ""
    try:
        if len(text) > MAX_QUERY:
            raise QueryError("too long")
        return parse_query(text)
    except QueryError as exc:
        message = html_to_plain(bad_query(caller.t, exc, command)).strip()
        raise ApiError(422, "invalid_query", message, translated=True) from None


class SubscriptionsApi:
    """``/app/api/subscriptions``, ``/app/api/preview`` and ``/app/api/trend``."""

    def __init__(self, groups: Groups, store: WebAppStore, clock: Callable[[], datetime]) -> None:
        self._groups = groups
        self._store = store
        self._clock = clock

    async def list(self, request: web.Request, caller: Caller) -> web.Response:
        """The chat's subscriptions with 30-day sparklines, last match and mute; whether it is paused."""
        chat_id = caller.ctx.chat_id
        subs = await off_loop(self._store.list_subscriptions, chat_id)
        activity = await self._groups.insight.activity(chat_id, subs, days=SPARK_DAYS)
        volumes = await off_loop(self._store.subscription_volumes, chat_id)
        chat = await off_loop(self._store.get_chat, chat_id)
        rows = [subscription_json(s, activity.get(s.id), volumes.get(s.id)) for s in subs]
        return web.json_response({"subscriptions": rows, "paused": bool(chat and chat.paused)})

    async def add(self, request: web.Request, caller: Caller) -> web.Response:
        """Subscribe as /subscribe does: 201 with the subscription, 422 a bad query, 409 a refusal."""
        text = (await body(request)).get("query")
        subscribed = await self._groups.subscriptions.add(caller.ctx, text if isinstance(text, str) else "")
        message = plain(subscribed.reply)
        if subscribed.subscription is None:
            code = (422, "invalid_query") if subscribed.invalid else (409, "refused")
            raise ApiError(*code, message, translated=True)
        return web.json_response(
            {**subscription_json(subscribed.subscription), "message": message}, status=201
        )

    async def remove(self, request: web.Request, caller: Caller) -> web.Response:
        """Unsubscribe by id; 404 for an id that is not this chat's."""
        ident = request.match_info["id"]
        removed = None
        if ident.isdecimal() and len(ident) < 19:
            removed = await self._groups.subscriptions.remove(caller.ctx, int(ident))
        if removed is None:
            raise ApiError(404, "not_found", NO_SUCH)
        return web.json_response({"id": removed.id, "query": removed.query})

    async def mute(self, request: web.Request, caller: Caller) -> web.Response:
        """Mute a subscription for 24 hours as /mute does; 404 for an id that is not this chat's."""
        sub = await self._own(request, caller)
        until = self._clock() + MUTE_FOR
        reply = await self._groups.volume.mute_for(caller.ctx, caller.t, sub.id, until)
        return web.json_response({"id": sub.id, "muted_until": until.isoformat(), "message": plain(reply)})

    async def unmute(self, request: web.Request, caller: Caller) -> web.Response:
        """End a mute as /unmute does; 404 for an id that is not this chat's."""
        sub = await self._own(request, caller)
        reply = await self._groups.volume.unmute(caller.ctx, str(sub.id))
        return web.json_response({"id": sub.id, "muted_until": None, "message": plain(reply)})

    async def _own(self, request: web.Request, caller: Caller) -> Subscription:
        """The chat's subscription the path names; 404 otherwise."""
        ident = request.match_info["id"]
        subs = await off_loop(self._store.list_subscriptions, caller.ctx.chat_id)
        found = next((s for s in subs if ident.isdecimal() and str(s.id) == ident), None)
        if found is None:
            raise ApiError(404, "not_found", NO_SUCH)
        return found

    async def preview(self, request: web.Request, caller: Caller) -> web.Response:
        """What /test shows: stories per day over 7 days and the five newest; nothing is subscribed."""
        query = query_of((await body(request)).get("query"), caller, "test")
        zone, counts, newest = await self._groups.insight.sample(caller.ctx.chat_id, query, releases=False)
        return web.json_response(
            {
                "query": query.text,
                "meaning": describe(query, caller.t),
                "zone": zone.key,
                "days": [day.isoformat() for day in counts.days],
                "stories": list(counts.stories),
                "newest": [item_json(item) for item in newest],
            }
        )

    async def aliases(self, request: web.Request, caller: Caller) -> web.Response:
        """The name's aliases across scripts with their evidence, as chips to add (``wirewatch aliases``);
        a text that is not one name has none."""
        try:
            term = parse_alias_term(request.query.get("term", "")[:MAX_QUERY])
        except AliasTermError:
            return web.json_response({"aliases": []})
        since = self._clock() - ALIAS_WINDOW
        found = await off_loop(functools.partial(self._store.aliases, term, since=since))
        shown = caller.t.in_script  # in the caller's script, as the chat's offers show them
        rows = [{"text": shown(alias.text), "releases": alias.evidence} for alias in found[:MAX_ALIASES]]
        return web.json_response({"term": term.text, "aliases": rows})

    async def trend(self, request: web.Request, caller: Caller) -> web.Response:
        """Stories per local day of a query or a subscription (``12``, ``#12``), as /trend counts them."""
        days_text = request.query.get("days", "30")
        if not days_text.isdecimal() or int(days_text) not in TREND_DAYS:
            raise ApiError(422, "invalid_days", BAD_DAYS)
        insight = self._groups.insight
        texts = await insight.resolve(caller.ctx.chat_id, [request.query.get("query", "").strip()])
        query = query_of(texts[0], caller, "trend")
        (one,) = await insight.trends(caller.ctx.chat_id, [query], int(days_text))
        trend = one.trend
        return web.json_response(
            {
                "query": query.text,
                "days": [day.isoformat() for day in trend.days],
                "stories": list(trend.counts),
                "total": trend.total,
                "previous_total": trend.previous_total,
            }
        )
