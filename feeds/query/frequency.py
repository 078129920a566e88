"""Document frequency of index keys, learned from a bounded sample of the documents the index matches.

A query whose AND offers several anchor options is best anchored on its rarest one; which word is rare is
a property of the news, not of the query, so the index counts, in the first documents it matches, how many
contain each word and CJK pair, and ``SubscriptionIndex.rebalance`` re-anchors on the rarest option.
"""

from __future__ import annotations

from collections import Counter

from feeds.query.document import PREFIX_KEY, Document
from feeds.query.normalize import is_cjk


class DocumentFrequency:
    """How many of the first ``limit`` observed documents hold each word and CJK pair."""

    __slots__ = ("counts", "limit", "seen")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen = 0
        self.counts: Counter[str] = Counter()

    @property
    def learning(self) -> bool:
        """Whether the sample is still incomplete."""
        return self.seen < self.limit

    def observe(self, doc: Document) -> None:
        """Count the document's distinct words and CJK pairs (once the sample is full, nothing)."""
        if self.seen >= self.limit:
            return
        self.seen += 1
        self.counts.update(doc.words)
        if doc.pairs:
            self.counts.update(doc.pairs)

    def of(self, key: str) -> int:
        """Documents of the sample holding ``key``; a single CJK character (not counted) or a prefix key
        is assumed to be in every one."""
        if key[0] == PREFIX_KEY or is_cjk(key):
            return self.seen
        return self.counts.get(key, 0)

    def total(self, keys: frozenset[str]) -> int:
        """Documents of the sample that may hold one of ``keys`` (the sum: an upper bound)."""
        return sum(map(self.of, keys))
