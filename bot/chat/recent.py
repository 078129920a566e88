"""Searching stored releases: the database proposes candidates, the matcher decides.

The answer is exactly what a subscription with the same query would have matched.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from html import escape

from bot.chat.i18n import Translator, translator
from bot.chat.ports import SearchStore
from bot.chat.replies import echo
from feeds.documents import document_for
from feeds.models import Item
from feeds.query import Query
from feeds.search import candidate_expr, candidates_are_exact

BATCH = 200
MAX_CANDIDATES = 5000


class RecentSearch:
    """Newest items first seen since a time, optionally matching a query."""

    def __init__(self, store: SearchStore) -> None:
        self._store = store

    def find(self, query: Query | None, since: datetime, limit: int) -> list[Item]:
        """Up to ``limit`` newest matching stories (one item each); scans at most ``MAX_CANDIDATES`` items."""
        candidates = candidate_expr(query) if query is not None else None
        checker = query if query is not None and not candidates_are_exact(query) else None  # else exact
        found: dict[int, Item] = {}
        before_id: int | None = None
        scanned = 0
        while len(found) < limit and scanned < MAX_CANDIDATES:
            batch = self._store.recent_items(
                since=since, limit=BATCH, candidates=candidates, before_id=before_id
            )
            for item in batch:
                if len(found) == limit:
                    break  # newest first: the rest of the batch is older than every one found
                if checker is None or checker.matches(document_for(item)):
                    found.setdefault(item.story_id, item)
            scanned += len(batch)
            if len(batch) < BATCH:
                break
            before_id = batch[-1].id
        return list(found.values())


def format_time(at: datetime, t: Translator | None = None, zone: tzinfo = UTC) -> str:
    """A compact time for chat and terminal lines, in the locale's order and zone: ``Nov 28, 14:05 UTC``."""
    return (t or translator()).format_zoned(at, zone)


def render_recent(
    items: list[Item], query_text: str, days: int, t: Translator | None = None, zone: tzinfo = UTC
) -> str:
    """The /recent answer in Telegram HTML (stays well under 4096 characters for 10 items), times in the
    chat's ``zone``."""
    t = t or translator()
    if not items:
        if query_text:
            return t.ngettext(
                "Nothing matching <code>%(query)s</code> in the last %(days)s day.",
                "Nothing matching <code>%(query)s</code> in the last %(days)s days.",
                days,
                query=echo(query_text),
                days=days,
            )
        return t.ngettext(
            "Nothing in the last %(days)s day.", "Nothing in the last %(days)s days.", days, days=days
        )
    if query_text:
        title = t.gettext("<b>Newest releases matching <code>%(query)s</code></b>", query=echo(query_text))
    else:
        title = t.gettext("<b>Newest releases</b>")
    lines = [title]
    for item in items:
        headline = escape(_shorten(item.title, 160))
        if item.link:
            headline = f'<a href="{escape(item.link, quote=True)}">{headline}</a>'
        source = escape(_shorten(item.feed_name, 60))
        lines.append(f"• {headline}\n  {source} · {format_time(item.published_at, t, zone)}")
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
