"""All active subscriptions compiled into one inverted index: anchor key -> subscription keys.

Each query registers only its anchors (see ``anchors``), so add and remove cost O(anchors) with no rebuild.
Matching looks up each distinct key of the document once and fully evaluates only the candidates, so its
cost depends on the document and on how many queries share its keys, not on the number of subscriptions.
"""

from __future__ import annotations

from feeds.query.document import PREFIX_KEY, Document
from feeds.query.query import Query


class SubscriptionIndex:
    """A mutable set of ``key -> Query`` that finds every query matching a document."""

    def __init__(self) -> None:
        self._queries: dict[int, Query] = {}
        self._anchors: dict[int, frozenset[str]] = {}
        self._postings: dict[str, set[int]] = {}
        self._prefix_keys = 0  # how many posting lists are prefix keys

    def add(self, key: int, query: Query) -> None:
        """Add a query under ``key``, replacing any query already there."""
        self.remove(key)
        self._queries[key] = query
        self._anchors[key] = anchors = self._choose(query)
        for anchor in anchors:
            posting = self._postings.get(anchor)
            if posting is None:
                self._postings[anchor] = posting = set()
                self._prefix_keys += anchor.startswith(PREFIX_KEY)
            posting.add(key)

    def remove(self, key: int) -> None:
        """Remove the query under ``key``; nothing happens when it is absent."""
        if self._queries.pop(key, None) is None:
            return
        for anchor in self._anchors.pop(key):
            posting = self._postings[anchor]
            posting.discard(key)
            if not posting:
                del self._postings[anchor]
                self._prefix_keys -= anchor.startswith(PREFIX_KEY)

    def _choose(self, query: Query) -> frozenset[str]:
        """The anchor option whose keys hold the fewest queries now (ties: the static order)."""
        if len(query.anchor_options) == 1:
            return query.anchors
        postings = self._postings
        return min(
            query.anchor_options, key=lambda keys: sum(len(postings.get(anchor, ())) for anchor in keys)
        )

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, key: object) -> bool:
        return key in self._queries

    def get(self, key: int) -> Query | None:
        """The query under ``key``, if any."""
        return self._queries.get(key)

    def candidates(self, doc: Document) -> set[int]:
        """Keys of queries whose anchor the document contains (a superset of the matches)."""
        postings = self._postings
        found: set[int] = set()
        for key in doc.index_keys(self._prefix_keys > 0):
            posting = postings.get(key)
            if posting is not None:
                found.update(posting)
        return found

    def match(self, doc: Document) -> list[int]:
        """Keys of every query that matches the document, sorted."""
        queries = self._queries
        return sorted(key for key in self.candidates(doc) if queries[key].matches(doc))
