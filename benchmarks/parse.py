"""Parse micro benchmark: items/s of feedparser (the reference) against the running parse (lxml fast path,
feedparser where it declines), on two corpora: the generated documents of ``benchmarks/ingest.py`` and the
wires of ``../shared/corpus/wires`` (when present beside the repository).

Run: ``.venv/bin/python benchmarks/parse.py`` (``--help`` for sizes). CPU time of this process, best of
``--rounds``; prints one line per corpus with both rates, the ratio and how many documents the fast path took.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import feed_document
from feeds.parse import ParsedFeed, parse_fast, parse_feed_document, parse_reference

WIRES = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "wires"
URL = "https://wire.example.org/feed.xml"
HEADERS = {"Content-Type": "application/rss+xml"}

Parse = Callable[[bytes, dict[str, str], str], ParsedFeed]


def generated(feeds: int, items: int) -> list[bytes]:
    return [feed_document(feed, items) for feed in range(feeds)]


def wires() -> list[bytes]:
    if not WIRES.is_dir():
        return []
    paths = sorted(p for p in WIRES.iterdir() if p.suffix in (".xml", ".rss", ".atom", ".gz"))
    return [gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes() for p in paths]


def best_cpu(parse: Parse, documents: list[bytes], rounds: int) -> tuple[float, int]:
    """The least CPU seconds one pass over ``documents`` took, and the items of a pass."""
    best, items = float("inf"), 0
    for _ in range(rounds):
        start = time.process_time()
        items = sum(len(parse(body, HEADERS, URL).entries) for body in documents)
        best = min(best, time.process_time() - start)
    return best, items


def report(name: str, documents: list[bytes], rounds: int) -> None:
    reference, items = best_cpu(parse_reference, documents, rounds)
    running, _ = best_cpu(parse_feed_document, documents, rounds)
    fast = sum(parse_fast(body, HEADERS, URL) is not None for body in documents)
    print(
        f"corpus={name} documents={len(documents)} items={items} fast_path_documents={fast} "
        f"feedparser_items_per_s={items / reference:.0f} fast_items_per_s={items / running:.0f} "
        f"ratio={reference / running:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=40, help="generated documents")
    parser.add_argument("--items", type=int, default=50, help="items per generated document")
    parser.add_argument("--rounds", type=int, default=3, help="passes per parser (best counts)")
    args = parser.parse_args()
    report("generated", generated(args.feeds, args.items), args.rounds)
    corpus = wires()
    if corpus:
        report("wires", corpus, args.rounds)


if __name__ == "__main__":
    main()
