"""``wirewatch trend QUERY [--days N] [-o FILE.png]``: the /trend chart from the command line.

Days are local days in ``[chat] default_timezone``; ``A | B`` compares up to four queries, as in chat.
Without ``-o`` the PNG goes to a fresh file in the temp folder; the path and the caption are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.chat.i18n import translator
from bot.chat.render import html_to_terminal
from bot.chat.replies import Attachment
from bot.chat.trend_view import MAX_QUERIES, QueryTrend, caption, draw, load_trend
from bot.entry.console import save_attachment
from bot.entry.runtime import open_store
from bot.settings import Settings
from feeds.query import QueryError, parse_query
from feeds.trends import local_day

BAD_QUERY = 2


def trend(args: argparse.Namespace, settings: Settings) -> int:
    """Write the chart; 0 (also when nothing matched: then no file), 2 for a bad query."""
    texts = [part.strip() for part in args.query.split("|") if part.strip()]
    if not texts or len(texts) > MAX_QUERIES:
        print(f"wirewatch: trend needs 1 to {MAX_QUERIES} queries separated by |", file=sys.stderr)
        return BAD_QUERY
    try:
        queries = [parse_query(text) for text in texts]
    except QueryError as exc:
        print(f"wirewatch: bad query: {exc}", file=sys.stderr)
        return BAD_QUERY
    t = translator(settings.chat.default_language)
    store = open_store(settings)
    try:
        zone = store.default_zone
        today = local_day(datetime.now(UTC), zone)
        trends = [
            QueryTrend(q.text, load_trend(store, q, days=args.days, last_day=today, zone=zone))
            for q in queries
        ]
    finally:
        store.close()
    if not any(one.trend.total for one in trends):
        print(f"No stories matching {' | '.join(texts)!r} in the last {args.days} days: no chart.")
        return 0
    chart = draw(trends, t)
    if args.output:
        path = Path(args.output)
        path.write_bytes(chart.png)
    else:
        path = save_attachment(
            Attachment("photo", chart.png, "trend.png"), Path(tempfile.gettempdir()) / "wirewatch"
        )
    print(f"chart: {path}")
    print(html_to_terminal(caption(trends, t, zone, chart.legend)))
    return 0
