"""One object per distinct key set and simple term, shared by every query that needs it.

A big subscription index repeats a few tens of thousands of words over 100,000 queries; without sharing,
each query holds its own copies (a one-key ``frozenset`` is 216 bytes, an empty one too: CPython 3.11 has no
empty-frozenset singleton). The values are immutable, so sharing them changes nothing but memory. The
tables are bounded: when one is full it starts over (values handed out before stay valid).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from typing import TypeVar

EMPTY_KEYS: frozenset[str] = frozenset()
TABLE_LIMIT = 1 << 16

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_key_sets: dict[frozenset[str], frozenset[str]] = {}


def key_set(keys: Collection[str]) -> frozenset[str]:
    """``frozenset(keys)``, as the one shared object for that set when it has at most two keys."""
    if not keys:
        return EMPTY_KEYS
    made = keys if isinstance(keys, frozenset) else frozenset(keys)
    if len(made) > 2:  # rarely repeated: sharing would cost more than it saves
        return made
    return shared(_key_sets, made, made)


def shared(table: dict[_K, _V], key: _K, value: _V) -> _V:
    """The value already in ``table`` for ``key``, else ``value`` (stored; a full table starts over)."""
    found = table.get(key)
    if found is not None:
        return found
    if len(table) >= TABLE_LIMIT:
        table.clear()
    table[key] = value
    return value


def memoized(table: dict[str, _V], make: Callable[[str], _V | None]) -> Callable[[str], _V | None]:
    """``make`` with its results (other than None) shared per argument through ``table``."""

    def lookup(word: str) -> _V | None:
        found = table.get(word)
        if found is not None:
            return found
        made = make(word)
        return None if made is None else shared(table, word, made)

    return lookup
