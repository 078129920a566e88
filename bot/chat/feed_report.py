"""Feeds for people: health as an HTML message for /feeds and a plain table for ``wirewatch feeds``, and
what /addfeed says about a feed it added."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from unicodedata import east_asian_width
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from bot.chat.feed_intake import FoundFeed
from bot.chat.i18n import N_, Translator, translator
from bot.chat.replies import echo
from feeds.models import FeedOrigin, FeedState
from feeds.urls import mask_url, mask_urls_in

HEALTH = {"failing": N_("failing"), "new": N_("new"), "ok": N_("ok"), "paused": N_("paused")}
# what one poll of a feed came to (``bot.pipeline.ingest.PollStatus``), in the reader's words
POLL_STATUS = {
    "ok": N_("ok"),
    "not_modified": N_("not modified"),
    "unchanged": N_("unchanged"),
    "error": N_("failed"),
    "refused": N_("refused"),
}
ORIGINS = {
    FeedOrigin.CONFIG: N_("from the config"),
    FeedOrigin.CHAT: N_("added in chat"),
    FeedOrigin.CLI: N_("added with the CLI"),
    FeedOrigin.OPML: N_("imported from OPML"),
}
ORIGIN_COLUMN = {
    FeedOrigin.CONFIG: "config",
    FeedOrigin.CHAT: "chat",
    FeedOrigin.CLI: "cli",
    FeedOrigin.OPML: "opml",
}
# SQLAlchemy's wrapping of a driver error: "(psycopg.errors.DataError) …" and "[SQL: …]" below it
_DRIVER_ERROR = re.compile(r"\((?:[A-Za-z_][\w]*\.)*([A-Za-z_]\w*(?:Error|Exception|Warning))\)")
_DATABASE_MARKERS = ("[SQL:", "(Background on this error", "sqlalche.me", "sqlalchemy")


def error_summary(error: str | None, limit: int = 120) -> str:
    """A stored feed error as people may see it: first line only, URLs masked; a database error as its class
    only.

    Database errors carry SQL and parameters (feed text); those stay in the logs, never in a chat."""
    if not error:
        return ""
    lines = error.strip().splitlines()
    first = lines[0] if lines else ""
    driver = _DRIVER_ERROR.search(first)
    if driver is not None or any(marker in error for marker in _DATABASE_MARKERS):
        named = driver.group(1) if driver else first.partition(":")[0].strip()
        return named if named.isidentifier() else "DatabaseError"
    return mask_urls_in(first)[:limit]


def ago(at: datetime | None, now: datetime, t: Translator | None = None) -> str:
    """``3m ago`` / ``in 2m`` / ``never``, in the locale's words (``3分钟前``)."""
    t = t or translator()
    if at is None:
        return t.gettext("never")
    return format_timedelta(at - now, add_direction=True, format="narrow", locale=t.locale)


def next_poll(at: datetime | None, now: datetime, t: Translator) -> str:
    """When a feed is polled next: ``in 4m``, or ``due now`` once that moment is past (not ``1s ago``)."""
    if at is not None and at <= now:
        return t.gettext("due now")
    return ago(at, now, t)


def poll_status(status: str, t: Translator) -> str:
    """One poll's outcome (``ok``, ``not_modified``, ``error``, ``refused``) in ``t``'s words."""
    return t.gettext(POLL_STATUS[status]) if status in POLL_STATUS else status


def health(feed: FeedState) -> str:
    """One word for a feed's state (a key of ``HEALTH``)."""
    if feed.paused_at is not None:
        return "paused"
    if feed.consecutive_failures:
        return "failing"
    if feed.last_success_at is None:
        return "new"
    return "ok"


def render_feed_health(feeds: list[FeedState], now: datetime, t: Translator | None = None) -> str:
    """Telegram HTML: one short block per feed."""
    t = t or translator()
    if not feeds:
        return t.gettext("No feeds are configured.")
    lines = [t.gettext("<b>Feeds (%(count)s)</b>", count=len(feeds))]
    for feed in feeds:
        line = t.gettext(
            "<b>%(feed)s</b> (#%(id)s, %(origin)s): %(health)s, success %(success)s, next poll %(next_poll)s",
            feed=escape(feed.name[:60]),
            id=feed.id,
            origin=t.gettext(ORIGINS[feed.origin]),
            health=t.gettext(HEALTH[health(feed)]),
            success=ago(feed.last_success_at, now, t),
            next_poll=next_poll(feed.next_poll_at, now, t),
        )
        if feed.consecutive_failures:
            line += "\n  " + t.ngettext(
                "%(count)s failure, last: %(error)s (%(when)s)",
                "%(count)s failures, last: %(error)s (%(when)s)",
                feed.consecutive_failures,
                count=feed.consecutive_failures,
                error=escape(error_summary(feed.last_error)),
                when=ago(feed.last_error_at, now, t),
            )
        lines.append(line)
    text = "\n".join(lines)
    return text if len(text) < 4000 else text[:3990].rsplit("\n", 1)[0] + "\n…"


TABLE_HEADER = (
    N_("FEED"),
    N_("ID"),
    N_("ORIGIN"),
    N_("STATE"),
    N_("LAST SUCCESS"),
    N_("FAILURES"),
    N_("NEXT POLL"),
    N_("LAST ERROR"),
)


def feed_health_table(feeds: list[FeedState], now: datetime, t: Translator | None = None) -> str:
    """Plain text table for the terminal, headers, states and times in ``t``'s language."""
    t = t or translator()
    header = tuple(t.gettext(name) for name in TABLE_HEADER)
    rows = [
        (
            feed.name,
            str(feed.id),
            ORIGIN_COLUMN[feed.origin],
            t.gettext(HEALTH[health(feed)]),
            ago(feed.last_success_at, now, t),
            str(feed.consecutive_failures),
            next_poll(feed.next_poll_at, now, t),
            error_summary(feed.last_error, 60) if feed.consecutive_failures else "",
        )
        for feed in feeds
    ]
    return format_table(header, rows)


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces (widths in terminal cells: a Chinese character is 2)."""
    widths = [max(cells(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    )


def pad(text: str, width: int) -> str:
    """``text`` filled with spaces to ``width`` terminal cells (``ljust`` counts a Chinese character as 1)."""
    return text + " " * (width - cells(text))


def cells(text: str) -> int:
    """Terminal cells ``text`` takes: East Asian wide and full-width characters take two."""
    return sum(2 if east_asian_width(char) in "WF" else 1 for char in text)


def added_text(feed: FeedState, found: FoundFeed, t: Translator, zone: ZoneInfo | None) -> str:
    """/addfeed's answer for a feed it added: its name and title, its items (the newest in the chat's
    ``zone``, needed only when it has items), how often it is polled."""
    name = echo(feed.name)
    lines = [
        t.gettext(
            "Added feed #%(id)s <b>%(name)s</b>: %(title)s",
            id=feed.id,
            name=name,
            title=echo(found.title or mask_url(found.url)),
        )
    ]
    newest = found.newest
    if newest is None or zone is None:
        lines.append(t.gettext("It has no items yet."))
    else:
        when = t.format_zoned(newest, zone)
        count = len(found.items)
        lines.append(
            t.ngettext(
                "%(count)s item, the newest from %(newest)s.",
                "%(count)s items, the newest from %(newest)s.",
                count,
                count=count,
                newest=when,
            )
        )
    every = format_timedelta(timedelta(seconds=feed.interval_seconds), locale=t.locale)
    lines.append(
        t.gettext(
            "Alerts and <code>source:</code> queries call it <b>%(name)s</b>. "
            "It is polled every %(interval)s; only releases that are new from now on alert.",
            name=name,
            interval=every,
        )
    )
    return "\n".join(lines)
