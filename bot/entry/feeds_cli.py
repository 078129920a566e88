"""``wirewatch feeds add|remove|export|import``: the feed list from the command line.

``add`` fetches the URL once through the guard like ``/addfeed`` (a page linking one feed adds that one;
several are listed); ``import`` reads OPML and prints a line per outline and a summary. Feeds added here
come from the CLI or OPML: untrusted, polled through the guard.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.chat.feed_commands import unusable_text
from bot.chat.feed_import import export_feeds, import_feeds, render_report
from bot.chat.feed_intake import FoundFeed, FoundPage, Unusable, add_found, normalize_url, probe
from bot.chat.i18n import translator
from bot.entry.runtime import feed_rules, fetch_limits, open_store, url_policy
from bot.offload import off_loop
from bot.settings import Settings, counted, describe_seconds
from feeds.fetch import Fetcher
from feeds.models import FeedOrigin
from feeds.opml import OpmlError, parse_opml
from feeds.urls import mask_url
from feeds.values import DuplicateFeedError
from storage.store import Store

FAILED = 1


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Dispatch ``wirewatch feeds ACTION``."""
    store = open_store(settings)
    try:
        if args.feeds_command == "add":
            return asyncio.run(_add(args, settings, store))
        if args.feeds_command == "remove":
            return _remove(args.name, store)
        if args.feeds_command == "export":
            return _export(args.output, store)
        return _import(Path(args.file), settings, store)
    finally:
        store.close()


async def _add(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    now = datetime.now(UTC)
    url = normalize_url(args.url)
    rules = feed_rules(settings)
    async with Fetcher(fetch_limits(settings), policy=url_policy(settings)) as fetcher:
        found = await probe(fetcher, url, now)
        if isinstance(found, FoundPage) and len(found.feeds) == 1:
            found = await probe(fetcher, found.feeds[0].url, now)
    if isinstance(found, FoundPage):
        print(
            f"{mask_url(url)} is a page that links {len(found.feeds)} feeds; add one of them:",
            file=sys.stderr,
        )
        for link in found.feeds:
            print(f"  {mask_url(link.url)}  {link.title}", file=sys.stderr)
        return FAILED
    if isinstance(found, Unusable):
        print(
            f"wirewatch: not added: {mask_url(url)}: {unusable_text(found, translator('en'))}",
            file=sys.stderr,
        )
        return FAILED
    return await _store(found, args, rules.story_window, args.interval or rules.interval_seconds, store, now)


async def _store(
    found: FoundFeed, args: argparse.Namespace, window: timedelta, every: int, store: Store, now: datetime
) -> int:
    try:
        feed = await off_loop(
            add_found,
            store,
            found,
            name=args.name,
            origin=FeedOrigin.CLI,
            added_by_chat=None,
            interval_seconds=every,
            now=now,
            story_window=window,
        )
    except DuplicateFeedError as dup:
        what = "this feed is polled already" if dup.reason == "url" else "the name is taken"
        print(f"wirewatch: not added: {what}, as #{dup.existing.id} {dup.existing.name}", file=sys.stderr)
        return FAILED
    except ValueError as exc:
        print(f"wirewatch: not added: {exc}", file=sys.stderr)
        return FAILED
    newest = found.newest
    when = f", the newest from {newest:%Y-%m-%d %H:%M} UTC" if newest else ""
    print(f"Added #{feed.id} {feed.name}: {found.title or mask_url(found.url)}")
    print(
        f"{counted(len(found.items), 'item')}{when}; polled every {describe_seconds(feed.interval_seconds)}."
    )
    return 0


def _remove(name: str, store: Store) -> int:
    feed = store.find_feed_by_name(name)
    ident = name.strip().removeprefix("#")
    if feed is None and ident.isdecimal() and len(ident) < 19:
        feed = store.get_feed(int(ident))
    if feed is None:
        print(f"wirewatch: no feed {name!r}", file=sys.stderr)
        return FAILED
    try:
        removed = store.remove_feed(feed.id, datetime.now(UTC))
    except ValueError:
        print(f"wirewatch: {feed.name} comes from the config file: remove it there", file=sys.stderr)
        return FAILED
    if removed is None:
        print(f"wirewatch: no feed {name!r}", file=sys.stderr)
        return FAILED
    print(f"Removed #{removed.id} {removed.name}; its releases are kept.")
    return 0


def _export(output: str | None, store: Store) -> int:
    data, count = export_feeds(store, datetime.now(UTC))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(output).write_bytes(data)
        print(f"Wrote {count} feeds to {output}.")
    return 0


def _import(path: Path, settings: Settings, store: Store) -> int:
    try:
        outlines = parse_opml(path.read_bytes())
    except (OSError, OpmlError) as exc:
        print(f"wirewatch: can't import {path}: {exc}", file=sys.stderr)
        return FAILED
    lines = import_feeds(
        store,
        url_policy(settings),
        outlines,
        origin=FeedOrigin.OPML,
        interval_seconds=settings.polling.interval_seconds,
        now=datetime.now(UTC),
    )
    print(render_report(lines, translator("en"), html=False) if lines else "The file lists no feeds.")
    return 0
