"""/test, /trend and /spike, and the /list sparklines: what the stored releases say about a query.

Every store call and the chart drawing go through ``off_loop``; days are the chat's local days.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from html import escape
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bot.chat.i18n import N_, Translator
from bot.chat.ports import InsightStore
from bot.chat.recent import RecentSearch
from bot.chat.replies import Attachment, Reply, echo
from bot.chat.trend_view import QueryTrend, caption, draw, load_trend
from bot.offload import off_loop
from feeds.models import Item, Subscription
from feeds.query import Query, QueryError, parse_query
from feeds.query.loosen import Loosen, Loosening, loosenings
from feeds.trends import Activity, DailyCounts, local_day, period, sparkline

TEST_DAYS = 7
TEST_NEWEST = 5
MAX_SUGGESTIONS = 4
LIST_BUDGET = 3800  # characters of /list lines, leaving room for the header and the paused note
_DAYS = re.compile(r"\d{1,6}")

LOOSEN_REASONS = {
    Loosen.PHRASE_AS_WORDS: N_("the phrase %(part)s as separate words"),
    Loosen.DROP_EXCLUSION: N_("without the exclusion %(part)s"),
    Loosen.TITLE_ANYWHERE: N_("%(part)s anywhere, not only in the headline"),
    Loosen.DROP_SOURCE: N_("without %(part)s"),
    Loosen.DROP_TERM: N_("without %(part)s"),
}


def split_trend_args(args: str) -> tuple[list[str], int | None]:
    """``A | B 90`` → (["A", "B"], 90): parts separated by ``|``; a bare number at the end is DAYS (unless
    it is all there is: ``/trend 12`` names subscription #12)."""
    days = None
    rest_and_last = args.rsplit(None, 1)  # linear, whatever the whitespace (no backtracking regex)
    if len(rest_and_last) == 2 and _DAYS.fullmatch(rest_and_last[1]) and rest_and_last[0].strip(" |"):
        args, days = rest_and_last[0], int(rest_and_last[1])
    return [part.strip() for part in args.split("|") if part.strip()], days


class Sample(NamedTuple):
    """What a query matched in the last days: the zone the days are in, counts per day, newest items."""

    zone: ZoneInfo
    counts: DailyCounts
    newest: tuple[Item, ...]


class Insight:
    """The commands that look back over stored releases."""

    def __init__(self, store: InsightStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._recent = RecentSearch(store)

    async def zone(self, chat_id: int) -> ZoneInfo:
        """The chat's time zone (volume control's setting, else the configured default)."""
        return (await off_loop(self._store.chat_volume, chat_id)).zone

    # --- /test --------------------------------------------------------------------------------------
    async def sample(self, chat_id: int, query: Query, *, releases: bool = True) -> Sample:
        """What ``query`` matched in the chat's last 7 local days: counts per day and the five newest
        (none when nothing matched) — /test and the Mini App's live preview (``releases=False``: stories
        only, the release counts may be left 0)."""
        zone = await self.zone(chat_id)
        first_day, since, _ = period(self._clock(), TEST_DAYS, zone)
        counts = await off_loop(
            self._store.daily_counts, query, first_day=first_day, days=TEST_DAYS, zone=zone, releases=releases
        )
        newest = await off_loop(self._recent.find, query, since, TEST_NEWEST) if sum(counts.stories) else []
        return Sample(zone, counts, tuple(newest))

    async def test(self, chat_id: int, query: Query, t: Translator) -> Reply:
        """A dry run over the last 7 days: counts, the five newest, counts per day, or what to loosen."""
        zone, counts, newest = await self.sample(chat_id, query)
        if not sum(counts.stories):
            return Reply(await self._no_match(query, t, zone))
        stories, releases = sum(counts.stories), sum(counts.releases)
        lines = [
            t.gettext(
                "<b>Test of <code>%(query)s</code></b> — nothing is subscribed", query=echo(query.text)
            ),
            t.ngettext(
                "Last %(days)s days: %(count)s story",
                "Last %(days)s days: %(count)s stories",
                stories,
                days=TEST_DAYS,
                count=stories,
            )
            + ("" if t.full_width else " ")  # zh: the full-width parenthesis brings its own space
            + t.ngettext(
                "(%(count)s release, counting wire copies)",
                "(%(count)s releases, counting wire copies)",
                releases,
                count=releases,
            ),
            "",
            *(_newest_line(item, t, zone) for item in newest),
            "",
            t.gettext("<b>Per day</b> (stories / releases, %(zone)s)", zone=zone.key),
            *(
                _day_line(day, s, r, t)
                for day, s, r in zip(counts.days, counts.stories, counts.releases, strict=True)
            ),
            "",
            t.gettext("/subscribe %(query)s to be alerted from now on.", query=echo(query.text)),
        ]
        return Reply("\n".join(lines))

    async def _no_match(self, query: Query, t: Translator, zone: ZoneInfo) -> str:
        """Nothing matched: say so, and which looser versions would have matched."""
        first_day, _, _ = period(self._clock(), TEST_DAYS, zone)
        lines = [
            t.ngettext(
                "Nothing matched <code>%(query)s</code> in the last %(days)s day. Nothing is subscribed.",
                "Nothing matched <code>%(query)s</code> in the last %(days)s days. Nothing is subscribed.",
                TEST_DAYS,
                query=echo(query.text),
                days=TEST_DAYS,
            )
        ]
        found: list[tuple[Loosening, int]] = []
        for loose in loosenings(query):
            counts = await off_loop(
                self._store.daily_counts, loose.query, first_day=first_day, days=TEST_DAYS, zone=zone
            )
            if sum(counts.stories):
                found.append((loose, sum(counts.stories)))
            if len(found) >= MAX_SUGGESTIONS:
                break
        if not found:
            lines.append(t.gettext("Looser versions of it match nothing either."))
            return "\n".join(lines)
        lines.append(t.gettext("These looser versions would have matched:"))
        for loose, count in found:
            reason = t.gettext(LOOSEN_REASONS[loose.kind], part=f"<code>{echo(loose.part, 60)}</code>")
            stories = t.ngettext("%(count)s story", "%(count)s stories", count, count=count)
            lines.append(f"• <code>{echo(loose.query.text)}</code> — {stories}{t.aside(reason)}")
        return "\n".join(lines)

    # --- /trend -------------------------------------------------------------------------------------
    async def resolve(self, chat_id: int, parts: Sequence[str]) -> list[str]:
        """Each part as query text: ``12`` or ``#12`` is the chat's subscription #12 when it has one."""
        subs = {s.id: s.query for s in await off_loop(self._store.list_subscriptions, chat_id)}
        texts = []
        for part in parts:
            ident = part.removeprefix("#")
            texts.append(subs.get(int(ident), part) if ident.isdecimal() and len(ident) < 19 else part)
        return texts

    async def trends(self, chat_id: int, queries: Sequence[Query], days: int) -> list[QueryTrend]:
        """Stories per local day of each query over the chat's last ``days`` days (/trend, the Mini App)."""
        zone = await self.zone(chat_id)
        today = local_day(self._clock(), zone)
        return [
            QueryTrend(
                q.text, await off_loop(load_trend, self._store, q, days=days, last_day=today, zone=zone)
            )
            for q in queries
        ]

    async def trend(self, chat_id: int, queries: Sequence[Query], days: int, t: Translator) -> Reply:
        """The chart of up to four queries over ``days`` local days, or a text when none has a story."""
        zone = await self.zone(chat_id)
        trends = await self.trends(chat_id, queries, days)
        if not any(q.trend.total for q in trends):
            names = t.join_list(f"<code>{echo(q.text, 60)}</code>" for q in queries)
            return Reply(
                t.ngettext(
                    "No stories matching %(queries)s in the last %(days)s day, so no chart.",
                    "No stories matching %(queries)s in the last %(days)s days, so no chart.",
                    days,
                    queries=names,
                    days=days,
                )
            )
        chart = await off_loop(draw, trends, t)
        text = caption(trends, t, zone, chart.legend)
        return Reply(text, attachment=Attachment("photo", chart.png, "trend.png"))

    # --- /list --------------------------------------------------------------------------------------
    async def activity(
        self, chat_id: int, subs: Sequence[Subscription], days: int = 7
    ) -> dict[int, Activity]:
        """Each subscription's stories per local day of the last ``days`` days and its last match."""
        zone = await self.zone(chat_id)
        queries: dict[int, Query] = {}
        for sub in subs:
            try:
                queries[sub.id] = parse_query(sub.query)
            except QueryError:
                continue
        return await off_loop(self._store.activity, queries, now=self._clock(), zone=zone, days=days)

    async def list_lines(self, chat_id: int, subs: Sequence[Subscription], t: Translator) -> list[str]:
        """One line per subscription: id, query, 7-day sparkline, time of the last match."""
        zone = await self.zone(chat_id)
        activity = await self.activity(chat_id, subs)
        for width in (60, 32, 20):  # 50 subscriptions must fit one message
            lines = [_list_line(sub, activity.get(sub.id), t, zone, width) for sub in subs]
            if sum(len(line) + 1 for line in lines) <= LIST_BUDGET:
                break
        return lines


def _list_line(sub: Subscription, seen: Activity | None, t: Translator, zone: ZoneInfo, width: int) -> str:
    """``#12 <code>Binzhou</code>`` and, below, ``▁▂▅█▁▁▃ · last match Nov 28, 14:05``."""
    line = f"#{sub.id} <code>{echo(sub.query, width)}</code>"
    if seen is not None:
        last = (
            t.gettext("last match %(when)s", when=escape(t.format_zoned(seen.last_match_at, zone)))
            if seen.last_match_at
            else t.gettext("no match in the last year")
        )
        line += f"\n   {sparkline(seen.counts)} · {last}"
    if sub.spike_alerts:
        line += " · " + t.gettext("spike alerts on")
    return line


def _newest_line(item: Item, t: Translator, zone: ZoneInfo) -> str:
    headline = escape(item.title if len(item.title) <= 140 else item.title[:139].rstrip() + "…", quote=False)
    if item.link:
        headline = f'<a href="{escape(item.link, quote=True)}">{headline}</a>'
    when = escape(t.format_zoned(item.first_seen_at, zone))
    return f"• {headline}\n  {escape(item.feed_name[:60], quote=False)} · {when}"


def _day_line(day: date, stories: int, releases: int, t: Translator) -> str:
    label = format_skeleton("MMMEd", day, locale=t.locale)
    return f"<code>{escape(label, quote=False)}</code>  {stories} / {releases}"
