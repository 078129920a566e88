"""Search token micro benchmark: CPU µs per item of the search tokens (``feeds.search``) and the PostgreSQL
tsvector literal (``storage.search_sql.pg_tsvector``) as the parse worker makes them, against the plain loops
they replaced (``tests.search_reference``: the tokens in the worker, the literal split from them again on the
store thread), on the releases of ``benchmarks/ingest.py`` and the wires of ``../shared/corpus/wires`` (when
present beside the repository). The ratio is after / before.

Run: ``.venv/bin/python -m benchmarks.tokens`` (``--help`` for sizes). CPU time of this process, best of
``--rounds``. Issue 25's goal 3: both together at most half of 130 µs (65 µs) an item of generated releases.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import feed_document
from benchmarks.parse import wires
from feeds.parse import FeedParseError
from feeds.pipeline import parse_and_normalize
from feeds.search import index_token_list
from storage.search_sql import pg_tsvector
from tests.search_reference import previous_index_tokens, previous_pg_tsvector

GOAL_US = 65.0
URL = "https://wire.example.org/feed.xml"
Texts = list[tuple[str, str]]


def items_of(documents: list[bytes]) -> Texts:
    """(title, body) of every item of the documents, as the parse worker gives them."""
    now = datetime.now(UTC)
    texts: Texts = []
    for body in documents:
        try:
            texts.extend((item.title, item.body) for item in parse_and_normalize(body, {}, URL, now))
        except FeedParseError:
            continue
    return texts


def best_us(work: Callable[[], object], count: int, rounds: int) -> float:
    """The least CPU µs per item one call of ``work`` (over ``count`` items) took."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best / count * 1e6


def report(name: str, texts: Texts, rounds: int) -> None:
    """Before: the tokens in the parse worker, the literal from them on the store thread. After: as
    ``feeds.pipeline`` makes them, the tokens and (PostgreSQL) the literal from their list, in the worker."""
    lists = [index_token_list(title, body) for title, body in texts]
    tokens = [" ".join(words) for words in lists]
    n = len(texts)
    chars = sum(len(title) + len(body) for title, body in texts) / n
    before_tokens = best_us(lambda: [previous_index_tokens(t, b) for t, b in texts], n, rounds)
    after_tokens = best_us(lambda: [" ".join(index_token_list(t, b)) for t, b in texts], n, rounds)
    before_pg = best_us(lambda: [previous_pg_tsvector(t) for t in tokens], n, rounds)
    after_pg = best_us(lambda: [pg_tsvector(t, w) for t, w in zip(tokens, lists, strict=True)], n, rounds)
    before, after = before_tokens + before_pg, after_tokens + after_pg
    per_item = sum(map(len, lists)) / n
    print(f"corpus={name} items={n} chars_per_item={chars:.0f} tokens_per_item={per_item:.0f}")
    for label, old, new in (
        ("tokens", before_tokens, after_tokens),
        ("tsvector", before_pg, after_pg),
        ("both", before, after),
    ):
        print(f"   {label:<9} before {old:6.1f} µs  after {new:6.1f} µs  ratio {new / old:.2f}")
    if name == "generated":
        print(f"goal: both <= {GOAL_US:.0f} µs an item: {'met' if after <= GOAL_US else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--feeds", type=int, default=20, help="generated documents")
    parser.add_argument("--items", type=int, default=50, help="items per generated document")
    parser.add_argument("--rounds", type=int, default=5, help="passes per function (best counts)")
    args = parser.parse_args()
    report("generated", items_of([feed_document(f, args.items) for f in range(args.feeds)]), args.rounds)
    corpus = items_of(wires())
    if corpus:
        report("wires", corpus, args.rounds)


if __name__ == "__main__":
    main()
