"""Feed health for people: an HTML message for /feeds and a plain table for ``wirewatch feeds``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from feeds.models import FeedState


def ago(at: datetime | None, now: datetime) -> str:
    """``3m ago`` / ``in 2m`` / ``never``."""
    if at is None:
        return "never"
    seconds = int((now - at).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        text = f"{seconds}s"
    elif seconds < 3600:
        text = f"{seconds // 60}m"
    elif seconds < 86400:
        text = f"{seconds // 3600}h"
    else:
        text = f"{seconds // 86400}d"
    return f"in {text}" if future else f"{text} ago"


def health(feed: FeedState) -> str:
    """One word for a feed's state."""
    if feed.consecutive_failures:
        return "failing"
    if feed.last_success_at is None:
        return "new"
    return "ok"


def render_feed_health(feeds: list[FeedState], now: datetime) -> str:
    """Telegram HTML: one short block per feed."""
    if not feeds:
        return "No feeds are configured."
    lines = [f"<b>Feeds ({len(feeds)})</b>"]
    for feed in feeds:
        line = (
            f"<b>{escape(feed.name[:60])}</b>: {health(feed)}, success {ago(feed.last_success_at, now)}, "
            f"next poll {ago(feed.next_poll_at, now)}"
        )
        if feed.consecutive_failures:
            error = escape((feed.last_error or "")[:120])
            line += (
                f"\n  {feed.consecutive_failures} failures, last: {error} ({ago(feed.last_error_at, now)})"
            )
        lines.append(line)
    text = "\n".join(lines)
    return text if len(text) < 4000 else text[:3990].rsplit("\n", 1)[0] + "\n…"


def feed_health_table(feeds: list[FeedState], now: datetime) -> str:
    """Plain text table for the terminal."""
    header = ("FEED", "STATE", "LAST SUCCESS", "FAILURES", "NEXT POLL", "LAST ERROR")
    rows = [
        (
            feed.name,
            health(feed),
            ago(feed.last_success_at, now),
            str(feed.consecutive_failures),
            ago(feed.next_poll_at, now),
            (feed.last_error or "")[:60] if feed.consecutive_failures else "",
        )
        for feed in feeds
    ]
    return format_table(header, rows)


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    )
