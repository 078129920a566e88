"""The body of each ``wirewatch`` subcommand: (parsed arguments, settings) → exit code."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta

from bot.chat.feed_report import feed_health_table, format_table
from bot.chat.i18n import translator
from bot.chat.recent import RecentSearch, format_time
from bot.entry.runtime import open_runtime, open_store
from bot.pipeline.ingest import FeedPollResult
from bot.settings import Settings, counted
from feeds.query import QueryError, parse_query

BAD_QUERY = 2
POLL_ROLES = frozenset({"fetch", "match"})  # poll: alerts wait in the outbox for a deliver process


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``wirewatch run [--roles …]``: the product (or some of its roles), until SIGINT/SIGTERM."""
    from bot.entry.roles import parse_roles, run_roles

    return asyncio.run(run_roles(settings, parse_roles(getattr(args, "roles", "bot,fetch,match,deliver"))))


def _progress(result: FeedPollResult) -> None:
    detail = result.error or f"{len(result.new_items)} new"
    print(f"  {result.feed_name}: {result.status} ({detail}, {result.seconds:.2f}s)", flush=True)


async def _poll_once(settings: Settings) -> int:
    """Every feed polled once (due or not), then one pass of the match stage ``run`` uses."""
    from bot.entry.stages import build_stages

    async with open_runtime(settings) as runtime:
        stages = build_stages(runtime, POLL_ROLES, None)
        assert stages.match is not None
        print(f"Polling {counted(len(settings.feeds), 'feed')}…", flush=True)
        results = await runtime.ingestor.poll_all(on_result=_progress)
        alerts = await stages.match.run_pass()
    rows = [(r.feed_name, r.status, str(len(r.new_items)), f"{r.seconds:.2f}s") for r in results]
    print()
    print(format_table(("FEED", "STATUS", "NEW", "TIME"), rows))
    failed = sum(1 for r in results if r.status == "error")
    new = sum(len(r.new_items) for r in results)
    totals = (
        counted(len(results), "feed"),
        f"{failed} failed",
        counted(new, "new item"),
        counted(alerts, "alert"),
    )
    print(f"\n{', '.join(totals)} queued.")
    return 0


async def _poll_forever(settings: Settings) -> int:
    """The fetch and match roles without Telegram: alerts wait in the outbox for a deliver process."""
    from bot.entry.roles import run_roles

    return await run_roles(settings, POLL_ROLES)


def poll(args: argparse.Namespace, settings: Settings) -> int:
    """``wirewatch poll [--once]``: ingest and match without the bot (alerts wait in the outbox)."""
    return asyncio.run(_poll_once(settings) if args.once else _poll_forever(settings))


def feeds(args: argparse.Namespace, settings: Settings) -> int:
    """``wirewatch feeds``: every feed with its health; ``feeds ACTION``: see ``bot.entry.feeds_cli``."""
    if getattr(args, "feeds_command", None):
        from bot.entry import feeds_cli

        return feeds_cli.run(args, settings)
    store = open_store(settings)
    try:
        states = store.list_feeds()
    finally:
        store.close()
    if not states:
        print("No feeds yet. Add [[feeds]] entries to the config file, or: wirewatch feeds add URL")
        return 0
    print(feed_health_table(states, datetime.now(UTC), translator(settings.chat.default_language)))
    return 0


def recent(args: argparse.Namespace, settings: Settings) -> int:
    """``wirewatch recent [QUERY] [--limit N] [--days D]``: newest stored items."""
    try:
        query = parse_query(args.query) if args.query.strip() else None
    except QueryError as exc:
        print(f"wirewatch: bad query: {exc}", file=sys.stderr)
        return BAD_QUERY
    store = open_store(settings)
    try:
        since = datetime.now(UTC) - timedelta(days=args.days)
        items = RecentSearch(store).find(query, since, max(1, args.limit))
    finally:
        store.close()
    if not items:
        print(f"No items{' matching ' + repr(args.query) if query else ''} in the last {args.days:g} days.")
        return 0
    for item in items:
        print(f"{format_time(item.published_at)}  {item.feed_name}")
        print(f"  {item.title}\n  {item.link or '(no link)'}")
    return 0


def console(args: argparse.Namespace, settings: Settings) -> int:
    """``wirewatch console [--lang L]``: the chat in the terminal, against the real config and database."""
    from bot.entry.console import run_console

    return asyncio.run(run_console(settings, sys.stdin, sys.stdout, args.lang))


def demo(args: argparse.Namespace, settings: Settings) -> int:
    """``wirewatch demo [--lang L]``: bundled sample feeds, a throwaway database, no token, no network."""
    from bot.entry.demo import run_demo

    return asyncio.run(run_demo(sys.stdout, args.lang))
