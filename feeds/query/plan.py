"""How the subscription index checks a query once a document contains one of its anchors.

Most watch-list queries need no tree walk: a single word or CJK term (or an OR of them) matches as soon
as its anchor is found (*exact*); an AND of such terms, with exclusions, is two set tests against
``Document.keys`` (``required <= keys`` and ``forbidden.isdisjoint(keys)``). The other parts of an AND
(phrases, prefixes, ORs, title and source terms) become the ``residual`` predicate, run only when the set
tests pass; ``required`` also holds every key those parts need, so most non-matches never reach it.
"""

from __future__ import annotations

from functools import reduce
from itertools import pairwise
from typing import NamedTuple

from feeds.query.document import HEAD_LENGTH, PREFIX_KEY, PREFIX_LENGTH
from feeds.query.evaluate import Predicate, all_of, compile_node, simple_key, split_and
from feeds.query.nodes import And, Field, Node, Or, Term
from feeds.query.normalize import is_cjk
from feeds.query.query import Query
from feeds.query.shared import EMPTY_KEYS as _EMPTY
from feeds.query.shared import key_set


class Plan(NamedTuple):  # a value like a frozen dataclass, but built much faster (one per query)
    """``exact``: an anchor hit is a match. Otherwise a document matches iff it holds every ``required``
    key, no ``forbidden`` key, some ``alternatives`` key (when set) and satisfies ``residual`` (when set).
    ``heads``: keys of ``Document.heads`` every match holds (its prefix terms'); ``head_decides``: the
    ``residual`` is true exactly when the document holds the one key of ``heads`` (a 4-letter prefix)."""

    exact: bool
    required: frozenset[str]
    forbidden: frozenset[str]
    alternatives: frozenset[str] | None
    residual: Predicate | None
    heads: frozenset[str] = _EMPTY
    head_decides: bool = False


_EXACT = Plan(True, _EMPTY, _EMPTY, None, None)


def make_plan(query: Query) -> Plan:
    """How the index checks ``query``."""
    node = query.node
    if _is_exact(node):
        return _EXACT
    if not isinstance(node, And):
        heads = _heads([node])
        return Plan(False, necessary_keys(node), _EMPTY, None, query.predicate, heads, _decided_by_head(node))
    required, forbidden, rest = split_and(node.parts)
    alternatives: frozenset[str] | None = None
    for part in rest:
        if isinstance(part, Or) and (found := _alternatives(part)) is not None:
            alternatives, decided = found
            if decided:
                rest = [other for other in rest if other is not part]
            break
    if not rest:
        return Plan(False, required, forbidden, alternatives, None)
    required = required.union(*map(necessary_keys, rest))
    residual = all_of([compile_node(part) for part in rest])
    decides = len(rest) == 1 and _decided_by_head(rest[0])
    return Plan(False, required, forbidden, alternatives, residual, _heads(rest), decides)


def _heads(parts: list[Node]) -> frozenset[str]:
    """The ``Document.heads`` keys needed by the prefix terms among ``parts`` (a word of 4 letters or more
    followed by ``*``, in any field: a title word is a word of the document)."""
    return key_set(
        [
            part.tokens[0][:HEAD_LENGTH]
            for part in parts
            if isinstance(part, Term)
            and part.prefix
            and len(part.tokens) == 1
            and len(part.tokens[0]) >= HEAD_LENGTH
        ]
    )


def _decided_by_head(node: Node) -> bool:
    """Whether a document holds ``node`` iff it holds its head: a 4-letter prefix term, any field."""
    return (
        isinstance(node, Term)
        and node.prefix
        and node.field is Field.ANY
        and len(node.tokens) == 1
        and len(node.tokens[0]) == HEAD_LENGTH
    )


def _alternatives(node: Or) -> tuple[frozenset[str], bool] | None:
    """Keys one of which every match of ``node`` holds (one key per branch), and whether holding one of
    them is also enough (every branch a simple term); None when some branch needs no key at all."""
    keys: list[str] = []
    decided = True
    for part in node.parts:
        key = simple_key(part) if isinstance(part, Term) and part.field is Field.ANY else None
        if key is None:
            decided = False
            necessary = necessary_keys(part)
            if not necessary:
                return None
            key = max(necessary, key=lambda k: (len(k), k))  # a longer word is usually rarer
        keys.append(key)
    return key_set(keys), decided


def _is_exact(node: Node) -> bool:
    """A lone term, or an OR of terms, each matched exactly by the presence of its anchor key."""
    if isinstance(node, Term):
        return _exact_anchor(node)
    if not isinstance(node, Or):
        return False
    return all(isinstance(part, Term) and _exact_anchor(part) for part in node.parts)


def _exact_anchor(term: Term) -> bool:
    if term.field is not Field.ANY:
        return False
    if term.prefix:  # a 3-letter prefix is its own key: PREFIX_KEY + "alu" for alu*
        return len(term.tokens) == 1 and len(term.tokens[0]) == PREFIX_LENGTH
    return simple_key(term) is not None


def necessary_keys(node: Node) -> frozenset[str]:
    """Keys of ``Document.keys`` that every document matching ``node`` holds."""
    if isinstance(node, Term):
        key = simple_key(node)
        return key_set((key,)) if key is not None else _term_keys(node)
    if isinstance(node, And):
        return _EMPTY.union(*map(necessary_keys, node.parts))
    if isinstance(node, Or):
        return reduce(frozenset.intersection, map(necessary_keys, node.parts))
    return _EMPTY  # Not, Source


def _term_keys(term: Term) -> frozenset[str]:
    """The whole tokens of a term and the pairs of its consecutive CJK tokens."""
    tokens = term.tokens[:-1] if term.prefix else term.tokens
    pairs = [a + b for a, b in pairwise(tokens) if is_cjk(a) and is_cjk(b)]
    return key_set([*tokens, *pairs])


def split_key(anchor: str) -> tuple[bool, str]:
    """Whether an anchor is a prefix key, and the key proper (the 3 letters of a prefix key)."""
    if anchor.startswith(PREFIX_KEY):
        return True, anchor[len(PREFIX_KEY) :]
    return False, anchor
