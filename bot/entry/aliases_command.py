"""``wirewatch aliases TERM [--days 90]``: a name's candidates in the other script, with evidence.

For a Latin name, the Chinese words of stored releases whose pinyin it is; for a Chinese name (either
script), its pinyin. Each line: the alias, how many releases of the last DAYS days contain it, and what the
gazetteer knows it as. Nothing is subscribed or changed. Exit 0 (also for "no aliases"), 2 for a bad term.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from bot.entry.runtime import open_store
from bot.settings import Settings
from feeds.aliases import Alias, AliasTermError, parse_alias_term

BAD_TERM = 2


def aliases(args: argparse.Namespace, settings: Settings) -> int:
    """Print the candidates, best first."""
    try:
        term = parse_alias_term(args.query)
    except AliasTermError as exc:
        print(f"wirewatch: bad name: {exc}", file=sys.stderr)
        return BAD_TERM
    store = open_store(settings)
    try:
        found = store.aliases(term, since=datetime.now(UTC) - timedelta(days=args.days))
    finally:
        store.close()
    window = f"the last {args.days:g} day{'' if args.days == 1 else 's'}"
    if not found:
        print(f"no aliases for {term.text!r} in {window}")
        return 0
    print(f"Aliases for {term.text!r} (releases of {window}):")
    width = max(len(alias.text) for alias in found)
    for alias in found:
        print(_line(alias, width))
    return 0


def _line(alias: Alias, width: int) -> str:
    """``  滨州  12  prefecture-level city, Shandong`` (Chinese characters count double in a terminal)."""
    pad = width * 2 - _columns(alias.text) if not alias.text.isascii() else width - len(alias.text)
    place = f"  {alias.place.describe()}" if alias.place else ""
    return f"  {alias.text}{' ' * max(pad, 0)}  {alias.evidence:>6}{place}"


def _columns(text: str) -> int:
    return sum(1 if char.isascii() else 2 for char in text)
