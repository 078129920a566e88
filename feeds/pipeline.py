"""Parse and normalize one feed response: a pure, picklable function for a process pool.

Everything CPU-bound about a new item happens here, in the pool: feedparser, normalization, fingerprints and
the search tokens (``NewItem.search_tokens``), and the database's own form of them when it wants one
(``Lexemes``, ``NewItem.search_lexemes``: PostgreSQL's tsvector literal), so the main process (event loop,
store thread) only stores.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from feeds.models import NewItem, ParsedEntry
from feeds.normalize import normalize_entry
from feeds.parse import parse_feed, parse_feed_document
from feeds.search import index_token_list

__all__ = ["WORKER_NICENESS", "Lexemes", "lower_priority", "parse_and_normalize", "preview_feed"]

logger = logging.getLogger(__name__)

WORKER_NICENESS = 5
"""How much lower a parse worker's CPU priority is than the main process's (event loop, store thread)."""

Lexemes = Callable[[str, list[str]], str]
"""A database's own form of an item's search tokens, from the tokens joined and as a list (the store names
it, a module-level function so a process pool can take it); its result is ``NewItem.search_lexemes``."""


def parse_and_normalize(
    body: bytes, headers: dict[str, str], feed_url: str, now: datetime, lexemes: Lexemes | None = None
) -> list[NewItem]:
    """Feed bytes to new items with their search tokens (and ``lexemes`` of them), in feed order, one per
    identity (the first wins).

    Raises ``feeds.parse.FeedParseError`` when the document is not a usable feed."""
    return _normalize(parse_feed(body, headers, feed_url), feed_url, now, lexemes)


def preview_feed(
    body: bytes, headers: dict[str, str], feed_url: str, now: datetime
) -> tuple[str, list[NewItem]]:
    """A feed about to be added: its title and its items (as ``parse_and_normalize`` gives them)."""
    document = parse_feed_document(body, headers, feed_url)
    return document.title, _normalize(document.entries, feed_url, now)


def _normalize(
    entries: list[ParsedEntry], feed_url: str, now: datetime, lexemes: Lexemes | None = None
) -> list[NewItem]:
    items: list[NewItem] = []
    seen: set[str] = set()
    for entry in entries:
        item = normalize_entry(entry, feed_url, now)
        if item.identity not in seen:
            seen.add(item.identity)
            words = index_token_list(item.title, item.body)
            tokens = " ".join(words)
            extra = lexemes(tokens, words) if lexemes is not None else ""
            items.append(replace(item, search_tokens=tokens, search_lexemes=extra))
    return items


def init_worker(parent_pid: int, niceness: int = WORKER_NICENESS) -> None:
    """Process-pool initializer: lower priority, and exit when ``parent_pid`` is gone (no orphans).

    The pool's workers are children of the forkserver, not of the process that uses them, so a
    parent-death signal would not fire when that process is killed; a daemon thread checks instead."""
    lower_priority(niceness)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _exit_with_parent(parent_pid: int, every: float = 1.0) -> None:
    while True:
        time.sleep(every)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid exists (reused by another user's process): keep watching
            continue


def lower_priority(niceness: int = WORKER_NICENESS) -> None:
    """Process-pool initializer: lower this worker's CPU priority (the parent's chat replies come first).

    Parsing is batch work that may fill whatever CPU is left; at equal priority, busy workers and the main
    process share the cores equally and the event loop stalls. Best effort: where unsupported, a no-op."""
    try:
        os.nice(niceness)
    except (AttributeError, OSError) as exc:
        logger.debug("worker_priority_unchanged error=%s", exc)
