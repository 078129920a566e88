"""All active subscriptions compiled into one inverted index: anchor key -> subscription keys.

Each query registers only its anchors (see ``anchors``), so add and remove cost O(anchors) with no rebuild.
Matching intersects the document's distinct keys with the index's anchor keys; under each anchor found, the
queries matched by the anchor alone come back wholesale, those that need one more key are looked up by it
(``postings``), and only the queries whose keys are all there run what is left of their ``Plan``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from feeds.query.document import PREFIX_KEY, Document
from feeds.query.frequency import DocumentFrequency
from feeds.query.lexer import QueryError
from feeds.query.plan import Plan, make_plan, split_key
from feeds.query.postings import Postings
from feeds.query.query import Query, parse_query

logger = logging.getLogger(__name__)

LEARN_DOCUMENTS = 200  # documents counted for rebalance (see frequency), then re-anchored once

_RAREST = (False, 0)


def _prefix_last(anchors: frozenset[str]) -> bool:
    return any(anchor[0] == PREFIX_KEY for anchor in anchors)


@contextmanager
def _collector_paused(freeze: bool) -> Iterator[None]:
    """Bulk loads allocate many long-lived objects: collecting meanwhile only rescans them. With
    ``freeze``, end with ``gc.freeze()``, so no later collection scans them either (not even the young
    generation's next one, which would otherwise scan everything allocated here)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def _parse(text: str) -> tuple[Query, Plan] | QueryError:
    try:
        query = parse_query(text)
    except QueryError as error:
        return error
    return query, make_plan(query)


class SubscriptionIndex:
    """A mutable set of ``key -> Query`` that finds every query matching a document.

    The index is long-lived: load many queries with ``load_texts`` (from stored texts) or ``bulk_load``,
    which keep the collector out of the load itself, and then freeze them (``freeze=True``, or
    ``gc.collect(); gc.freeze()`` by the owner) so that later collections skip the index's objects."""

    def __init__(self, learn_documents: int = LEARN_DOCUMENTS, auto_rebalance: bool = True) -> None:
        self._queries: dict[int, Query] = {}
        # queries with several anchor options: the chosen one and the plan (to move them in rebalance)
        self._anchors: dict[int, tuple[frozenset[str], Plan]] = {}
        self._words = Postings(document_keys=True)
        self._prefixes = Postings(document_keys=False)
        self._frequency = DocumentFrequency(learn_documents)
        self._auto_rebalance = auto_rebalance and learn_documents > 0

    def add(self, key: int, query: Query) -> None:
        """Add a query under ``key``, replacing any query already there."""
        self._add(key, query, make_plan(query))

    def _add(self, key: int, query: Query, plan: Plan) -> None:
        if key in self._queries:
            self.remove(key)
        self._queries[key] = query
        options = query.anchor_options
        if len(options) == 1:
            anchors = options[0]  # remove() finds them on the query again
        else:
            anchors = min(options, key=self._rank)
            self._anchors[key] = anchors, plan
        self._place(key, anchors, plan)

    def _place(self, key: int, anchors: frozenset[str], plan: Plan) -> None:
        for anchor in anchors:
            if anchor[0] == PREFIX_KEY:
                self._prefixes.add(anchor[len(PREFIX_KEY) :], key, plan)
            else:
                self._words.add(anchor, key, plan)

    def _unplace(self, key: int, anchors: frozenset[str], plan: Plan) -> None:
        for anchor in anchors:
            is_prefix, proper = split_key(anchor)
            (self._prefixes if is_prefix else self._words).discard(proper, key, plan)

    def bulk_load(self, items: Iterable[tuple[int, Query]], freeze: bool = False) -> None:
        """Add many queries at once (as at start-up), with the garbage collector paused meanwhile
        (``freeze``: see ``load_texts``)."""
        with _collector_paused(freeze):
            for key, query in items:
                self.add(key, query)

    def load_texts(self, items: Iterable[tuple[int, str]], freeze: bool = False) -> dict[int, QueryError]:
        """Parse and add many stored query texts at once (as at start-up), each distinct text parsed once
        and shared, the garbage collector paused meanwhile; returns the keys whose text is refused.

        ``freeze=True`` ends with ``gc.freeze()`` (process-wide: every object alive then is never scanned
        again), which is what a start-up load wants: cheaper than ``gc.collect(); gc.freeze()``."""
        refused: dict[int, QueryError] = {}
        parsed: dict[str, tuple[Query, Plan] | QueryError] = {}
        with _collector_paused(freeze):
            for key, text in items:
                entry = parsed.get(text)
                if entry is None:
                    entry = parsed[text] = _parse(text)
                if isinstance(entry, QueryError):
                    refused[key] = entry
                else:
                    self._add(key, *entry)
        return refused

    def remove(self, key: int) -> None:
        """Remove the query under ``key``; nothing happens when it is absent."""
        query = self._queries.pop(key, None)
        if query is None:
            return
        chosen = self._anchors.pop(key, None)
        if chosen is None:  # one anchor option: the plan is made again (the same, as it is made by rule)
            self._unplace(key, query.anchors, make_plan(query))
        else:
            self._unplace(key, *chosen)

    def _rank(self, anchors: frozenset[str]) -> tuple[bool, int, int]:
        """How to rank an anchor option: options with a prefix key last (a 3-letter prefix is common),
        then fewest sampled documents holding its keys (all 0 before any sample), then fewest queries
        under its keys now (``min`` keeps the static order on ties)."""
        frequency = self._frequency
        if len(anchors) == 1:  # most options are one key: ranked without the loop
            (anchor,) = anchors
            if anchor[0] == PREFIX_KEY:
                return True, frequency.seen, self._prefixes.load(anchor[len(PREFIX_KEY) :])
            return False, frequency.of(anchor) if frequency.seen else 0, self._words.load(anchor)
        total, has_prefix = 0, False
        for anchor in anchors:
            is_prefix, proper = split_key(anchor)
            has_prefix |= is_prefix
            total += (self._prefixes if is_prefix else self._words).load(proper)
        return has_prefix, self._frequency.total(anchors) if self._frequency.seen else 0, total

    def rebalance(self) -> int:
        """Re-anchor each query with several anchor options on the option held by the fewest documents
        seen so far (see ``frequency``); results never change, only how many queries are checked.
        Deterministic; returns how many queries moved. Runs by itself once ``learn_documents`` documents
        have been matched (unless ``auto_rebalance=False``)."""
        frequency, moved = self._frequency, 0
        for key, (anchors, plan) in list(self._anchors.items()):
            best = self._rarity(anchors)
            if best == _RAREST:
                continue  # no option can do better
            choice = anchors
            for option in self._queries[key].anchor_options:
                rank = self._rarity(option)
                if rank < best:
                    best, choice = rank, option
            if choice is not anchors:
                self._unplace(key, anchors, plan)
                self._place(key, choice, plan)
                self._anchors[key] = choice, plan
                moved += 1
        logger.info("index_rebalanced sampled=%d queries=%d moved=%d", frequency.seen, len(self), moved)
        return moved

    def _rarity(self, anchors: frozenset[str]) -> tuple[bool, int]:
        """How ``rebalance`` ranks an option: prefix keys last, then fewest sampled documents."""
        if len(anchors) == 1:
            (anchor,) = anchors
            return anchor[0] == PREFIX_KEY, self._frequency.of(anchor)
        return _prefix_last(anchors), self._frequency.total(anchors)

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, key: object) -> bool:
        return key in self._queries

    def get(self, key: int) -> Query | None:
        """The query under ``key``, if any."""
        return self._queries.get(key)

    def candidates(self, doc: Document) -> set[int]:
        """Keys of queries whose anchor the document contains (a superset of the matches)."""
        found: set[int] = set()
        self._words.candidates(doc.keys, found)  # (every kind of key: this is for tests and statistics)
        if self._prefixes:
            self._prefixes.candidates(doc.prefixes, found)
        return found

    def match(self, doc: Document) -> list[int]:
        """Keys of every query that matches the document, sorted (the first ``learn_documents`` are also
        counted for ``rebalance``)."""
        frequency = self._frequency
        if frequency.learning:
            frequency.observe(doc)
            if self._auto_rebalance and not frequency.learning:
                self.rebalance()
        found: set[int] = set()
        self._words.collect_all(doc, found)
        if self._prefixes:
            self._prefixes.collect(doc.prefixes, doc, found)
        return sorted(found)
