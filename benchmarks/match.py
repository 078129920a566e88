"""Match benchmark: the subscription index against the naive loop, at 1k, 10k and 100k subscriptions.

Run: ``.venv/bin/python benchmarks/match.py [--subscriptions N ...]`` (deterministic: fixed seed; sizes
1k, 10k and 100k by default, any size on request, e.g. ``--subscriptions 1000000``). Items are ~2 KB of
generated text
(85% Latin-script with a Zipf word distribution, 15% Chinese); subscriptions mix single words, AND pairs,
phrases, Chinese terms, exclusions, ORs and prefixes over mid- and low-frequency words, as real watch lists
name companies and places rather than stop words. Items/s include preparing each ``Document``; items are
prepared and matched one by one, as the match stage does. "Restart" is what a restart costs: stored query
texts to a ready index (``SubscriptionIndex.load_texts``, parse + add). As in the match service, the index
learns word frequencies from the first 200 items it matches and then re-anchors AND/phrase queries on
their rarest word once (``rebalance``): that one-off is timed and reported apart, after the first 200
items, the way the service pays it once per process; items/s cover all items, before and after it.
Times are reported as CPU time of this process (steadier on a shared machine: one core's work) and wall
time. A second, clearly separate
workload ("realistic watch list") repeats 20k company/place names over 100k subscriptions.

Besides the detailed line, each size prints one summary line ``subscriptions=N build_s=… restart_s=…
rss_mb=… items_per_s=…``: ``build_s`` is building the index from new texts one subscription at a time
(``parse_query`` then ``SubscriptionIndex.add``, as subscriptions arrive), ``restart_s`` the restart
above, ``rss_mb`` the process's peak resident memory so far, ``items_per_s`` prepare + match per CPU
second; times in CPU seconds.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

import ahocorasick

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feeds.query import Document, Query, SubscriptionIndex, normalize_text, parse_query

T = TypeVar("T")
second = itemgetter(1)

SEED = 20260127
ITEMS = 2_000
WARM_UP = 200  # items matched before the one-off rebalance (the index's default learn_documents)
SIZES = (1_000, 10_000, 100_000)
NAIVE_SAMPLE = {1_000: 200, 10_000: 40, 100_000: 8}  # larger sizes: 2 items
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwxyz" for v in ("a", "e", "i", "o", "u", "ai", "ou", "ia")]


class Corpus:
    """A generated vocabulary (Latin words, Han characters) with Zipf weights."""

    def __init__(self, rng: random.Random) -> None:
        words = {"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(60_000)}
        self.words = sorted(words, key=lambda w: (len(w), w))[:40_000]
        rng.shuffle(self.words)
        self.word_weights = [1 / (rank + 1) for rank in range(len(self.words))]
        self.han = [chr(0x4E00 + i) for i in rng.sample(range(0x5000), 3_000)]
        self.han_weights = [1 / (rank + 1) for rank in range(len(self.han))]
        self.rng = rng

    def latin_item(self) -> tuple[str, str]:
        words = self.rng.choices(self.words, self.word_weights, k=330)
        for i in range(0, len(words), self.rng.randint(8, 20)):
            words[i] = words[i].capitalize() + self.rng.choice([",", ".", "", "", "'s"])
        return " ".join(words[:10]), " ".join(words[10:])

    def chinese_item(self) -> tuple[str, str]:
        chars = self.rng.choices(self.han, self.han_weights, k=700)
        for i in range(0, len(chars), 25):
            chars[i] = "，"
        return "".join(chars[:20]), "".join(chars[20:])

    def mid_word(self) -> str:
        """A word a watch list might name (a company, a place): outside the 1,500 most frequent words."""
        return self.words[self.rng.randrange(1_500, len(self.words))]

    def any_word(self) -> str:
        """Any word but the 100 most frequent (used for exclusions, which are never looked up)."""
        return self.words[self.rng.randrange(100, len(self.words))]

    def han_term(self) -> str:
        start = self.rng.randrange(300, len(self.han))
        return "".join(self.han[min(start + k, len(self.han) - 1)] for k in range(self.rng.randint(2, 3)))


def make_query(corpus: Corpus) -> str:
    """One subscription of a randomly chosen shape."""
    rng, w = corpus.rng, corpus.mid_word
    shape = rng.random()
    if shape < 0.25:
        return w()
    if shape < 0.42:
        return f"{w()} {w()}"
    if shape < 0.55:
        return f'"{w()} {w()}"'
    if shape < 0.70:
        return corpus.han_term()
    if shape < 0.80:
        return f"{w()} -{corpus.any_word()} -{corpus.any_word()}"
    if shape < 0.92:
        return f"({w()} OR {w()} OR {corpus.han_term()}) {w()}"
    return f"{w()[:4].ljust(4, 'x')}* {w()}"


class WatchList:
    """A second, REALISTIC workload (reported apart, the workload above stays the reference): many chats
    follow the same few thousand companies and places, so 100k subscriptions repeat 20k generated names;
    mostly the bare name, sometimes with an exclusion or a second name, some Chinese names."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.latin = [self._latin_name() for _ in range(16_000)]
        self.chinese = [corpus.han_term() for _ in range(4_000)]

    def _latin_name(self) -> str:
        words = [self.corpus.mid_word().capitalize() for _ in range(self.corpus.rng.choice((1, 1, 2)))]
        return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'

    def query(self) -> str:
        rng = self.corpus.rng
        shape = rng.random()
        if shape < 0.20:
            return rng.choice(self.chinese)
        name = rng.choice(self.latin)
        if shape < 0.80:
            return name
        if shape < 0.92:
            return f"{name} -{self.corpus.any_word()}"
        return f"{name} {rng.choice(self.latin)}"


@dataclass(frozen=True)
class Spent:
    """Elapsed wall-clock time and CPU time of this process (on a loaded machine the CPU time is the
    steadier measure of one core's work)."""

    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: Spent) -> Spent:
        return Spent(self.wall + other.wall, self.cpu + other.cpu)


def timed(action: Callable[[], T]) -> tuple[Spent, T]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return Spent(time.perf_counter() - wall, time.process_time() - cpu), result


@dataclass(frozen=True)
class Measured:
    """What one size measured."""

    build: Spent
    restart: Spent
    rebalance: Spent
    prep: Spent
    match: Spent
    naive: Spent
    sample: int
    count: int
    candidates: float
    hits: float


def run_size(size: int, make: Callable[[], str], items: list[tuple[str, str]]) -> None:
    texts = [make() for _ in range(size)]
    m = measure(texts, items, NAIVE_SAMPLE.get(size, 2))
    # parse alone last: a heap full of freed queries would scatter the index built after it
    parse, queries = timed(lambda: paused_gc(lambda: [parse_query(text) for text in texts]))
    terms = {term.removesuffix("*") for query in queries for term in query.positive_terms()}
    del queries
    scan = bare_scan(terms, items)
    total = m.prep + m.match
    per_item = 1e6 / m.count
    speedup = m.naive.cpu * m.count / m.sample / total.cpu
    print(
        f"{size:>7,} subs | restart {m.restart.cpu:5.2f}s CPU, {m.restart.wall:5.2f}s wall "
        f"(parse alone {parse.cpu:4.2f}s CPU) | rebalance once {m.rebalance.cpu:4.2f}s CPU | "
        f"{m.count / total.cpu:6,.0f} items/s CPU, "
        f"{m.count / total.wall:6,.0f} wall (prepare {m.prep.cpu * per_item:3.0f} us + match "
        f"{m.match.cpu * per_item:3.0f} us CPU per item; {m.candidates:.0f} candidates, "
        f"{m.hits:.1f} hits/item) | naive {m.sample / m.naive.cpu:6,.1f} items/s CPU "
        f"(on {m.sample} items) | x{speedup:,.0f} | bare scan {m.count / scan.cpu:6,.0f} items/s CPU, "
        f"full matching at {scan.cpu / total.cpu:.2f}x its speed"
    )
    print(
        f"subscriptions={size} build_s={m.build.cpu:.2f} restart_s={m.restart.cpu:.2f} "
        f"rss_mb={peak_rss_mb():.0f} items_per_s={m.count / total.cpu:.0f}",
        flush=True,
    )


def bare_scan(terms: set[str], items: list[tuple[str, str]]) -> Spent:
    """The baseline for full matching: one Aho-Corasick automaton over the subscriptions' distinct positive
    terms (normalized and spaced as displayed; a prefix term as its stem), scanned over each item's
    normalized title and body, collecting which terms occur anywhere (no word boundaries, no AND, NOT,
    phrase order or fields). Normalizing is timed with the scan, as preparing is timed with matching."""
    automaton = ahocorasick.Automaton()
    for term in terms:
        automaton.add_word(term, term)
    automaton.make_automaton()

    def scan() -> int:
        found = 0
        for title, body in items:
            text = normalize_text(title) + " " + normalize_text(body)
            found += len(set(map(second, automaton.iter(text))))  # no Python code per hit
        return found

    spent, _ = timed(scan)
    return spent


def peak_rss_mb() -> float:
    """The process's peak resident set so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(texts: list[str]) -> Spent:
    """Build an index from new texts one at a time, as subscriptions arrive (then drop it)."""
    index = SubscriptionIndex(learn_documents=0)

    def add_each() -> None:
        for key, text in enumerate(texts):
            index.add(key, parse_query(text))

    spent, _ = timed(add_each)
    index = SubscriptionIndex()
    gc.collect()
    return spent


def measure(texts: list[str], items: list[tuple[str, str]], sample: int) -> Measured:
    """Build, restart (stored texts to a ready, frozen index), then prepare and match every item."""
    built = build(texts)
    index = SubscriptionIndex(learn_documents=WARM_UP, auto_rebalance=False)
    restart, refused = timed(lambda: index.load_texts(enumerate(texts), freeze=True))
    assert not refused
    queries = [query for key in range(len(texts)) if (query := index.get(key)) is not None]
    prep, match, results = prepare_and_match(index, items[:WARM_UP])
    rebalance, _ = timed(index.rebalance)  # what match() does by itself after WARM_UP items
    prep_2, match_2, results_2 = prepare_and_match(index, items[WARM_UP:])
    prep, match, results = prep + prep_2, match + match_2, results + results_2
    docs = [Document.from_parts(title, body, "Bench Wire") for title, body in items[:sample]]
    naive, naive_results = timed(lambda: [naive_match(queries, d) for d in docs])
    assert naive_results == results[:sample], "index and naive loop disagree"
    candidates = sum(len(index.candidates(Document.from_parts(*item))) for item in items) / len(items)
    hits = sum(map(len, results)) / len(items)
    gc.unfreeze()
    return Measured(built, restart, rebalance, prep, match, naive, sample, len(items), candidates, hits)


def paused_gc(action: Callable[[], T]) -> T:
    gc.disable()
    try:
        return action()
    finally:
        gc.enable()


def prepare_and_match(
    index: SubscriptionIndex, items: list[tuple[str, str]]
) -> tuple[Spent, Spent, list[list[int]]]:
    """Prepare and match item by item, as the match stage does (each document dropped after use); time
    spent in each, and the results."""
    wall, cpu = time.perf_counter, time.process_time
    prep = match = Spent()
    results: list[list[int]] = []
    for title, body in items:
        wall_0, cpu_0 = wall(), cpu()
        doc = Document.from_parts(title, body, "Bench Wire")
        wall_1, cpu_1 = wall(), cpu()
        results.append(index.match(doc))
        wall_2, cpu_2 = wall(), cpu()
        prep += Spent(wall_1 - wall_0, cpu_1 - cpu_0)
        match += Spent(wall_2 - wall_1, cpu_2 - cpu_1)
    return prep, match, results


def naive_match(queries: list[Query], doc: Document) -> list[int]:
    """Every subscription evaluated on the item."""
    return [key for key, query in enumerate(queries) if query.matches(doc)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--subscriptions", type=int, action="append", help="a size to run (repeatable; default 1k 10k 100k)"
    )
    args = parser.parse_args()
    sizes = tuple(args.subscriptions or SIZES)
    rng = random.Random(SEED)
    corpus = Corpus(rng)
    items = [corpus.chinese_item() if rng.random() < 0.15 else corpus.latin_item() for _ in range(ITEMS)]
    size_kb = sum(len((t + b).encode()) for t, b in items) / len(items) / 1024
    print(f"{ITEMS} items, {size_kb:.1f} KB average (UTF-8); one core; Python {sys.version.split()[0]}")
    for size in sizes:
        run_size(size, lambda: make_query(corpus), items)
    if args.subscriptions:
        return
    print("realistic watch list (100k subscriptions repeating 20k company/place names), same items:")
    run_size(100_000, WatchList(corpus).query, items)


if __name__ == "__main__":
    main()
