"""The commands that look back over stored releases: /recent, /test and /trend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar

from bot.chat.context import ChatContext, Command, bad_query, chat_translator
from bot.chat.insight import Insight, split_trend_args
from bot.chat.recent import RecentSearch, render_recent
from bot.chat.replies import Reply, usage
from bot.chat.trend_view import DEFAULT_DAYS, MAX_DAYS, MAX_QUERIES
from bot.offload import off_loop
from feeds.query import Query, QueryError, parse_query

RECENT_DAYS = 7
RECENT_LIMIT = 10


class InsightCommands:
    """Searches, dry runs and charts; nothing here changes what the chat has."""

    def __init__(self, insight: Insight, recent: RecentSearch, clock: Callable[[], datetime]) -> None:
        self._insight = insight
        self._recent = recent
        self._clock = clock

    async def recent(self, ctx: ChatContext, args: str) -> Reply:
        """/recent [QUERY] — newest stored releases (10, last 7 days), matching QUERY when given."""
        t = chat_translator(ctx)
        query = None
        if args:
            try:
                query = parse_query(args)
            except QueryError as exc:
                return Reply(bad_query(t, exc, "recent"))
        since = self._clock() - timedelta(days=RECENT_DAYS)
        items = await off_loop(self._recent.find, query, since, RECENT_LIMIT)
        zone = await self._insight.zone(ctx.chat_id)
        return Reply(render_recent(items, args, days=RECENT_DAYS, t=t, zone=zone))

    async def test(self, ctx: ChatContext, args: str) -> Reply:
        """/test QUERY — what the query would have matched in the last 7 days; nothing is subscribed."""
        t = chat_translator(ctx)
        if not args:
            return Reply(usage("test", t))
        try:
            query = parse_query(args)
        except QueryError as exc:
            return Reply(bad_query(t, exc, "test"))
        return await self._insight.test(ctx.chat_id, query, t)

    async def trend(self, ctx: ChatContext, args: str) -> Reply:
        """/trend QUERY|ID [DAYS], or up to four separated by ``|`` — a chart of stories per day."""
        t = chat_translator(ctx)
        parts, days = split_trend_args(args)
        if not parts:
            return Reply(usage("trend", t))
        if days is not None and not 1 <= days <= MAX_DAYS:
            bad = t.gettext("DAYS must be from 1 to %(limit)s.", limit=MAX_DAYS)
            return Reply(f"{bad}\n{usage('trend', t)}")
        if len(parts) > MAX_QUERIES:
            many = t.gettext("A chart compares at most %(limit)s queries.", limit=MAX_QUERIES)
            return Reply(f"{many}\n{usage('trend', t)}")
        queries: list[Query] = []
        for text in await self._insight.resolve(ctx.chat_id, parts):
            try:
                queries.append(parse_query(text))
            except QueryError as exc:
                return Reply(bad_query(t, exc, "trend"))
        return await self._insight.trend(ctx.chat_id, queries, days or DEFAULT_DAYS, t)

    COMMANDS: ClassVar[tuple[Command[InsightCommands], ...]] = (
        Command(("recent",), recent),
        Command(("test",), test),
        Command(("trend",), trend),
    )
