"""Postings: anchor key -> the queries anchored on it, with each query filed by the next key it needs.

A document reaches a query only through the query's anchor. Most queries that are not matched by their
anchor alone need one more key of ``Document.keys`` (``a b``, ``"a b"``, the ``a OR b`` of ``(a OR b) c``),
so under each anchor such a query is filed by that key (``then``): a document holding the anchor but not
that key never touches the query, and a query matched once both are present (``a b``) is a plain id in a
list, like a lone word under its anchor. A query whose anchor is all the keys it needs but which has a
prefix term (``alumin* Binzhou``) is filed by the prefix's first 4 letters (``heads``, against
``Document.heads``). Only what is left (exclusions, more keys, phrases, longer prefixes, title and source
terms) runs per query, and only once those keys are there. Matching touches a bucket's parts only when
the document holds one of their keys (one C-level test each).
"""

from __future__ import annotations

from array import array
from collections.abc import Set
from itertools import chain
from typing import TypeAlias, cast

from feeds.query.document import Document
from feeds.query.evaluate import Predicate
from feeds.query.normalize import is_cjk
from feeds.query.plan import Plan
from feeds.query.shared import EMPTY_KEYS, key_set

# (query key, keys it needs besides those it is filed by, keys it must not have, keys it needs one of,
# what else)
Check = tuple[int, frozenset[str] | None, frozenset[str] | None, frozenset[str] | None, Predicate | None]
Guard = tuple[int, frozenset[str]]  # (query key, keys it must not have): all that is left of many checks
Ids: TypeAlias = "array[int]"  # query keys side by side: matching makes fresh ints, not 1M scattered ones
Entry = int | Guard | Check
UNION_LIMIT = 64  # exclusions a bucket tests as one set; past that, query by query


class _Guards:
    """The queries of a bucket left with exclusions only, and the union of their excluded keys (None past
    ``UNION_LIMIT``): a document holding none of those (the usual case) matches them all at once."""

    __slots__ = ("entries", "ids", "union")

    def __init__(self) -> None:
        self.entries: list[Guard] = []
        self.ids: Ids = array("q")
        self.union: frozenset[str] | None = EMPTY_KEYS

    def add(self, guard: Guard) -> None:
        self.entries.append(guard)
        self.ids.append(guard[0])
        if self.union is not None:
            union = self.union | guard[1]
            self.union = union if len(union) <= UNION_LIMIT else None

    def remove(self, query_key: int) -> None:
        self.entries = [guard for guard in self.entries if guard[0] != query_key]
        self.ids = array("q", [guard[0] for guard in self.entries])
        union = EMPTY_KEYS.union(*[guard[1] for guard in self.entries])
        self.union = union if len(union) <= UNION_LIMIT else None


class _Bucket:
    """The queries under one anchor key: those a hit matches (``exact``), those left with exclusions only
    (``guarded``) or with other checks (``checked``), and those filed by one more document key
    (``then_exact``, ``then_checked``: key -> the same) or by a head (``heads_exact``, ``heads_checked``).
    Each is None while empty."""

    __slots__ = (
        "checked",
        "exact",
        "guarded",
        "heads_checked",
        "heads_exact",
        "size",
        "then_checked",
        "then_exact",
    )

    def __init__(self) -> None:
        self.exact: Ids | None = None
        self.guarded: _Guards | None = None
        self.checked: list[Check] | None = None
        self.then_exact: dict[str, list[int]] | None = None
        self.then_checked: dict[str, list[Check]] | None = None
        self.heads_exact: dict[str, list[int]] | None = None
        self.heads_checked: dict[str, list[Check]] | None = None
        self.size = 0  # queries anchored here (each once)

    def query_keys(self) -> set[int]:
        """Every query anchored here."""
        found = set(self.exact or ())
        found.update(self.guarded.ids if self.guarded is not None else ())
        found.update(check[0] for check in self.checked or ())
        for table in (self.then_exact, self.heads_exact):
            for ids in (table or {}).values():
                found.update(ids)
        for filed in (self.then_checked, self.heads_checked):
            for checks in (filed or {}).values():
                found.update(check[0] for check in checks)
        return found


def _route(anchor: str | None, query_key: int, plan: Plan) -> tuple[str, tuple[str, ...], Entry]:
    """Where a query goes under an anchor: the bucket's part (a slot name), the keys it is filed by there
    (none for ``exact``, ``guarded``, ``checked``), and its entry: the query key, or what is left to check.
    ``anchor``: the anchor when it is a document key (then known present), None for a prefix key.
    Deterministic: removal routes again."""
    if plan.exact:
        return "exact", (), query_key
    required, alternatives, residual = plan.required, plan.alternatives, plan.residual
    if anchor is not None and anchor in required:
        required = required.difference((anchor,))
    if alternatives is not None and (
        (anchor is not None and anchor in alternatives) or not alternatives.isdisjoint(required)
    ):  # implied by the anchor or by a required key
        alternatives = None
    kind, then = "", _NOTHING
    if len(required) == 1:
        kind, then, required = "then", tuple(required), EMPTY_KEYS
    elif required:
        following = max(required, key=_weight)  # a longer word is usually rarer
        kind, then, required = "then", (following,), key_set(required.difference((following,)))
    elif alternatives is not None:
        kind, then, alternatives = "then", tuple(sorted(alternatives)), None  # filed under each
    elif plan.heads:
        kind, then = "heads", (max(plan.heads),)
        if plan.head_decides:
            residual = None
    forbidden = plan.forbidden
    if not required and alternatives is None and residual is None:
        if not forbidden:
            return (kind + "_exact" if kind else "exact"), then, query_key
        if not kind:
            return "guarded", then, (query_key, forbidden)
    check = (query_key, required or None, forbidden or None, alternatives, residual)
    return (kind + "_checked" if kind else "checked"), then, check


_NOTHING: tuple[str, ...] = ()


def _weight(key: str) -> tuple[int, str]:
    return len(key), key


class Postings:
    """Anchor key -> bucket, for one kind of anchor: document keys (whole tokens and CJK pairs and
    characters; ``document_keys``) or 3-letter prefixes (looked up in ``Document.prefixes``)."""

    def __init__(self, document_keys: bool) -> None:
        self.buckets: dict[str, _Bucket] = {}
        self.chars = 0  # how many keys are single CJK characters
        self._document_keys = document_keys

    def __len__(self) -> int:
        return len(self.buckets)

    def load(self, key: str) -> int:
        """How many queries are anchored on ``key``."""
        bucket = self.buckets.get(key)
        return 0 if bucket is None else bucket.size

    def add(self, key: str, query_key: int, plan: Plan) -> None:
        """Anchor a query on ``key``."""
        bucket = self.buckets.get(key)
        if bucket is None:
            self.buckets[key] = bucket = _Bucket()
            self.chars += is_cjk(key)
        bucket.size += 1
        slot, then, entry = (
            ("exact", (), query_key)
            if plan.exact
            else _route(key if self._document_keys else None, query_key, plan)
        )
        if slot == "exact":  # most queries: the bucket's own ids
            if bucket.exact is None:
                bucket.exact = array("q")
            bucket.exact.append(query_key)
            return
        if slot == "guarded":
            if bucket.guarded is None:
                bucket.guarded = _Guards()
            bucket.guarded.add(cast(Guard, entry))
            return
        if not then:
            entries = getattr(bucket, slot)
            if entries is None:
                setattr(bucket, slot, [entry])
            else:
                entries.append(entry)
            return
        table = getattr(bucket, slot)
        if table is None:
            table = {}
            setattr(bucket, slot, table)
        for following in then:
            entries = table.get(following)
            if entries is None:
                table[following] = [entry]  # (matched rarely: plain lists, cheaper to make)
            else:
                entries.append(entry)

    def discard(self, key: str, query_key: int, plan: Plan) -> None:
        """Undo ``add`` (with the same plan)."""
        bucket = self.buckets[key]
        slot, then, _ = _route(key if self._document_keys else None, query_key, plan)
        if slot == "guarded":
            assert bucket.guarded is not None
            bucket.guarded.remove(query_key)
            bucket.guarded = bucket.guarded if bucket.guarded.entries else None
        elif not then:
            entries = getattr(bucket, slot)
            _remove(entries, query_key, slot)
            if not entries:
                setattr(bucket, slot, None)
        else:
            table = getattr(bucket, slot)
            for following in then:
                _remove(entries := table[following], query_key, slot)
                if not entries:
                    del table[following]
            if not table:
                setattr(bucket, slot, None)
        bucket.size -= 1
        if not bucket.size:
            del self.buckets[key]
            self.chars -= is_cjk(key)

    def collect(self, present: Set[str], doc: Document, found: set[int]) -> None:
        """Add to ``found`` the queries anchored on ``present`` keys that match ``doc``."""
        keys = doc.keys
        buckets = self.buckets
        guarded: list[_Guards] = []
        pending: list[list[Check]] = []
        for anchor in buckets.keys() & present:  # C-level, over ``present`` (the dict is larger)
            bucket = buckets[anchor]
            if (ids := bucket.exact) is not None:
                found.update(ids)
            if (guards := bucket.guarded) is not None:
                if guards.union is not None and keys.isdisjoint(guards.union):
                    found.update(guards.ids)
                else:
                    guarded.append(guards)
            if (checks := bucket.checked) is not None:
                pending.append(checks)
            # most documents hold none of the next keys: one C-level test, without a new set, says so
            if (table := bucket.then_exact) is not None and not keys.isdisjoint(table):
                found.update(*[ids for following, ids in table.items() if following in keys])
            if (filed := bucket.then_checked) is not None and not keys.isdisjoint(filed):
                pending.extend(checks for following, checks in filed.items() if following in keys)
            if (table := bucket.heads_exact) is not None and not (heads := doc.heads).isdisjoint(table):
                found.update(*[ids for head, ids in table.items() if head in heads])
            if (filed := bucket.heads_checked) is not None and not (heads := doc.heads).isdisjoint(filed):
                pending.extend(checks for head, checks in filed.items() if head in heads)
        for query_key, forbidden in chain.from_iterable(guards.entries for guards in guarded):
            if forbidden.isdisjoint(keys):
                found.add(query_key)
        for query_key, required, forbidden_, alternatives, residual in chain.from_iterable(pending):
            if (
                (required is None or required <= keys)
                and (forbidden_ is None or forbidden_.isdisjoint(keys))
                and (alternatives is None or not alternatives.isdisjoint(keys))
                and (residual is None or residual(doc))
            ):
                found.add(query_key)

    def collect_all(self, doc: Document, found: set[int]) -> None:
        """``collect`` over every kind of document key (for document-key postings)."""
        self.collect(doc.words, doc, found)
        if doc.pairs:
            self.collect(doc.pairs, doc, found)
        if self.chars:
            self.collect(doc.cjk_chars, doc, found)

    def candidates(self, present: Set[str], found: set[int]) -> None:
        """Add to ``found`` every query anchored on a ``present`` key."""
        buckets = self.buckets
        for anchor in buckets.keys() & present:
            found.update(buckets[anchor].query_keys())


def _remove(entries: Ids | list[Entry], query_key: int, slot: str) -> None:
    if isinstance(entries, array) or slot.endswith("exact"):  # query keys
        entries.remove(query_key)
    else:
        entries[:] = [entry for entry in entries if isinstance(entry, int) or entry[0] != query_key]
