"""The ``wirewatch`` command line: run, poll, feeds, recent, match, trend, aliases, console, demo, prune,
doctor."""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from bot.entry import feeds_args
from bot.ops.logs import FORMATS, redact, setup_logging
from bot.settings import ConfigError, Settings, load_settings

EXIT_CONFIG = 2
EXIT_DATABASE = 3
EXIT_TELEGRAM = 4
EXIT_ALREADY_RUNNING = 5

QUERY_COMMANDS = ("recent", "match", "trend", "aliases")
MAX_DAYS = 3650
MAX_LIMIT = 1000

Command = Callable[[argparse.Namespace, Settings], int]


def _days(text: str) -> float:
    """``recent --days``: a number greater than 0, at most ``MAX_DAYS`` (NaN and infinity refused)."""
    try:
        days = float(text)
    except ValueError:
        days = math.nan
    if not 0 < days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"expected days greater than 0 and at most {MAX_DAYS}, got {text!r}")
    return days


def _limit(text: str) -> int:
    """``recent --limit``: a whole number from 1 to ``MAX_LIMIT``."""
    if not text.strip().isdecimal() or not 1 <= int(text) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


def _trend_days(text: str) -> int:
    """``trend --days``: a whole number from 1 to 365."""
    if not text.strip().isdecimal() or not 1 <= int(text) <= 365:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 365, got {text!r}")
    return int(text)


def _language(text: str) -> str:
    """``console/demo --lang``: one of the languages the bot speaks (``en``, ``zh-hans``, ``zh-hant``)."""
    from bot.chat.language import parse_language_argument

    language = parse_language_argument(text)
    if language is None:
        raise argparse.ArgumentTypeError(f"expected en, zh-hans or zh-hant, got {text!r}")
    return language


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand must not reset to None what was given before it (`wirewatch --config X feeds`)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: $WIREWATCH_CONFIG or ./config.toml)",
    )
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log more")
    common.add_argument(
        "--log-format",
        choices=FORMATS,
        default=argparse.SUPPRESS,
        help="text (default) or json: one object per line",
    )
    parser = argparse.ArgumentParser(
        prog="wirewatch",
        description="Keyword monitor for news wires, with Telegram alerts.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run", parents=[common], help="run the bot: poll feeds, match, send alerts, answer chats"
    )
    run.add_argument(
        "--roles",
        default="bot,fetch,match,deliver",
        metavar="ROLES",
        help="comma-separated roles for this process: bot, fetch, match, deliver (default: all four)",
    )
    poll = sub.add_parser("poll", parents=[common], help="poll feeds without the bot")
    poll.add_argument("--once", action="store_true", help="one cycle over every feed, then exit")
    feeds = sub.add_parser("feeds", parents=[common], help="every feed with its health; add, remove, OPML")
    feeds_args.add_arguments(feeds, common)
    recent = sub.add_parser("recent", parents=[common], help="newest stored items, optionally matching QUERY")
    recent.add_argument("query", nargs="*", metavar="QUERY")
    recent.add_argument("--limit", type=_limit, default=10, metavar="N")
    recent.add_argument("--days", type=_days, default=7.0, metavar="D")
    match = sub.add_parser("match", parents=[common], help="test QUERY against a text read from stdin")
    match.add_argument("query", nargs="*", metavar="QUERY")
    match.add_argument("--title", default="", metavar="TEXT", help="the headline")
    match.add_argument("--source", default="", metavar="NAME", help="the feed name, for source: terms")
    match.add_argument("--explain", action="store_true", help="print what matched where")
    trend = sub.add_parser(
        "trend", parents=[common], help="chart of stories per day matching QUERY (A | B …)"
    )
    trend.add_argument("query", nargs="*", metavar="QUERY")
    trend.add_argument("--days", type=_trend_days, default=30, metavar="N", help="1 to 365 (default 30)")
    trend.add_argument("-o", "--output", metavar="FILE.png", help="where to write the PNG")
    aliases = sub.add_parser(
        "aliases", parents=[common], help="a name in the other script (Binzhou <-> 滨州), with evidence"
    )
    aliases.add_argument("query", nargs="*", metavar="TERM")
    aliases.add_argument("--days", type=_days, default=90.0, metavar="D", help="window (default 90)")
    console = sub.add_parser("console", parents=[common], help="chat with Wirewatch in the terminal")
    demo = sub.add_parser("demo", parents=[common], help="a self-contained demo on bundled sample feeds")
    for chat in (console, demo):
        chat.add_argument(
            "--lang",
            type=_language,
            default=None,
            metavar="LANG",
            help="the chat's language: en, zh-hans or zh-hant (default: its own choice, else [chat] "
            "default_language)",
        )
    sub.add_parser("doctor", parents=[common], help="check config, database, token, feeds and clock")
    translate = sub.add_parser(
        "translate", parents=[common], help="an item's headline and summary, machine-translated"
    )
    translate.add_argument("item_id", type=int, metavar="ITEM_ID")
    translate.add_argument(
        "--to", type=_language, required=True, metavar="LANG", help="en, zh-hans or zh-hant"
    )
    prune = sub.add_parser("prune", parents=[common], help="delete releases older than storage.keep_items")
    prune.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    return parser


def _configure_logging(args: argparse.Namespace, settings: Settings) -> None:
    quiet = args.command in (
        "recent",
        "match",
        "trend",
        "aliases",
        "feeds",
        "console",
        "demo",
        "prune",
        "doctor",
        "translate",
    )
    verbose = args.verbose
    level = logging.DEBUG if verbose else (logging.WARNING if quiet else logging.INFO)
    secrets = (
        settings.telegram.token,
        settings.telegram.webhook_secret,
        settings.metrics.password,
        urlsplit(settings.database.url).password,
        settings.translate.api_key,
    )
    setup_logging(level, args.log_format or settings.logging.format, secrets)
    if not verbose:
        for noisy in ("httpx", "apscheduler", "telegram.ext.Application"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot's DEBUG lines hold whole updates and answers (message texts, user names), and
    # SQLAlchemy's INFO lines hold statement parameters: -v shows the adapter's own line per update instead
    # (update id, chat, command)
    logging.getLogger("telegram").setLevel(max(level, logging.INFO))
    logging.getLogger("sqlalchemy").setLevel(max(level, logging.WARNING))


def _commands() -> dict[str, Command]:
    from bot.entry import aliases_command, prune, translate_command, trend_command
    from bot.entry import commands as cli_commands

    return {
        "run": cli_commands.run,
        "poll": cli_commands.poll,
        "feeds": cli_commands.feeds,
        "recent": cli_commands.recent,
        "match": cli_commands.match,
        "console": cli_commands.console,
        "demo": cli_commands.demo,
        "prune": prune.command,
        "trend": trend_command.trend,
        "aliases": aliases_command.aliases,
        "translate": translate_command.translate,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    args.config, args.verbose = getattr(args, "config", None), getattr(args, "verbose", False)
    args.log_format = getattr(args, "log_format", None)
    if extra and (args.command not in QUERY_COMMANDS or any(e.startswith("--") for e in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command in QUERY_COMMANDS:
        # an unquoted exclusion (`coal -sports`) looks like an option to argparse: it belongs to the query
        args.query = " ".join([*args.query, *extra])
        if args.command in ("match", "trend") and not args.query.strip():
            parser.error(f"{args.command} needs a QUERY")
    if args.command == "doctor":  # checks the config itself: a bad one is a row of its report
        from bot.entry.doctor import run_doctor

        setup_logging(logging.DEBUG if args.verbose else logging.WARNING, args.log_format or "text", ())
        return run_doctor(args.config)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Load the settings and run the command; known failures become one line and an exit code.

    The database and Telegram libraries are imported here, not at the top: a parse worker re-imports this
    module as its ``__main__`` (multiprocessing's main-module fix-up) and must stay small."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.tg.errors import startup_failure
    from storage.db.instance import InstanceLockedError
    from storage.store import StoreUnavailableError

    try:
        settings = load_settings(args.config)
        _configure_logging(args, settings)
        return _commands()[args.command](args, settings)
    except ConfigError as exc:
        print(f"wirewatch: config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except InstanceLockedError as exc:
        print(f"wirewatch: refused to start: {exc}", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    except StoreUnavailableError as exc:
        print(f"wirewatch: database unavailable: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"wirewatch: database unavailable: {redact(reason)}", file=sys.stderr)
        return EXIT_DATABASE
    except Exception as exc:
        failure = startup_failure(exc)
        if failure is None:
            raise
        print(f"wirewatch: {failure[1]}", file=sys.stderr)
        return failure[0]
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
