"""The arguments of ``wirewatch feeds`` (kept apart from its actions, so the CLI imports light)."""

from __future__ import annotations

import argparse


def interval(text: str) -> int:
    """``--interval``: seconds or a duration like ``5m``, from 1 second to 30 days."""
    from bot.settings import MAX_INTERVAL, ConfigError, parse_duration  # heavy (aiohttp): only when used

    try:
        return parse_duration(text, "--interval", high=MAX_INTERVAL)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--interval: ")) from None


def add_arguments(feeds: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """The subcommands of ``wirewatch feeds`` (none: the health table)."""
    sub = feeds.add_subparsers(dest="feeds_command", metavar="ACTION")
    add = sub.add_parser("add", parents=[common], help="add a feed by URL (fetched once through the guard)")
    add.add_argument("url", metavar="URL")
    add.add_argument("--name", metavar="NAME", help="what alerts and source: call it (default: its title)")
    add.add_argument("--interval", type=interval, metavar="DURATION", help="how often to poll, e.g. 5m")
    remove = sub.add_parser("remove", parents=[common], help="stop polling a feed (its releases are kept)")
    remove.add_argument("name", metavar="NAME")
    export = sub.add_parser("export", parents=[common], help="every feed as OPML 2.0")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    imports = sub.add_parser("import", parents=[common], help="add the feeds of an OPML file")
    imports.add_argument("file", metavar="FILE")
