"""Anchors: index keys at least one of which appears in every document a query matches.

A query registers only its anchors in the subscription index, so a document is fully evaluated only against
queries whose anchor it contains. A query without anchors (nothing is required to appear) is invalid.
"""

from __future__ import annotations

from feeds.query.document import PREFIX_KEY
from feeds.query.nodes import And, Node, Or, Term
from feeds.query.normalize import is_cjk
from feeds.query.shared import key_set

_CJK_PAIR_SCORE = 4  # a CJK bigram is about as selective as a 4-letter word
_PREFIX_SCORE = 2


def anchor_keys(node: Node) -> frozenset[str] | None:
    """Keys, one of which every matching document contains; None when nothing positive is required."""
    if isinstance(node, Term):
        return key_set((term_key(node),))
    if isinstance(node, Or):
        keys: list[str] = []
        for part in node.parts:
            if isinstance(part, Term):
                keys.append(term_key(part))
            elif (branch := anchor_keys(part)) is not None:
                keys.extend(branch)
            else:
                return None
        return key_set(keys)
    if isinstance(node, And):
        options = _part_options(node)
        return min(options, key=cost) if options else None
    return None  # Not, Source: nothing that must appear


def _part_options(node: And) -> list[frozenset[str]]:
    """The anchor keys of each part of an AND that has some."""
    options: list[frozenset[str]] = []
    for part in node.parts:
        if isinstance(part, Term):
            options.extend(term_options(part))
        elif isinstance(part, (And, Or)) and (keys := anchor_keys(part)) is not None:
            options.append(keys)
    return options


def anchor_options(node: Node) -> tuple[frozenset[str], ...]:
    """Alternative anchor sets, best first by the static heuristic: each anchored part of a top-level AND.

    The index picks among them the one whose keys currently hold the fewest queries, which spreads queries
    sharing a common word (``word1 common``, ``word2 common``, ...) over their rarer words."""
    if isinstance(node, Term):
        return tuple(term_options(node))
    if isinstance(node, And):
        options = _part_options(node)
        if len(options) > 1:
            options.sort(key=cost)
        return tuple(options)
    keys = anchor_keys(node)
    return (keys,) if keys is not None else ()


def cost(keys: frozenset[str]) -> tuple[int, int]:
    """Fewer keys first, then the most selective weakest key."""
    if len(keys) == 1:
        for key in keys:
            return 1, -_score(key)
    return len(keys), -min(map(_score, keys))


def _score(key: str) -> int:
    first = key[0]
    if first == PREFIX_KEY:
        return _PREFIX_SCORE
    if first.isascii() or not is_cjk(first):
        return len(key)
    return 1 if len(key) == 1 else _CJK_PAIR_SCORE


def term_options(term: Term) -> list[frozenset[str]]:
    """Each key of a phrase or prefix term that every match holds (a word, a CJK pair), best first; a
    term matched by one key (a word, one or two CJK characters) has that key only."""
    tokens = term.tokens
    if len(tokens) == 1 and not term.prefix:
        return [key_set(tokens)]
    candidates = _term_candidates(term)
    if not term.prefix and len(tokens) == 2 and is_cjk(tokens[0]) and is_cjk(tokens[1]):
        return [key_set((max(candidates)[1],))]  # a CJK pair: its own key
    candidates.sort(reverse=True)
    best = candidates[0][1]
    keys = dict.fromkeys([best, *(key for score, key in candidates if score > 1)])
    return [key_set((key,)) for key in keys]


def term_key(term: Term) -> str:
    """The most selective key of one term (a single word or CJK character is its own key)."""
    tokens = term.tokens
    if len(tokens) == 1 and not term.prefix:
        return tokens[0]
    return _term_key(term)[1]


def _term_key(term: Term) -> tuple[int, str]:
    """The most selective key of one term, with its score."""
    return max(_term_candidates(term))


def _term_candidates(term: Term) -> list[tuple[int, str]]:
    """Every key of one term that a match holds, with its score (higher: more selective)."""
    tokens = term.tokens
    candidates: list[tuple[int, str]] = []
    plain = tokens[:-1] if term.prefix else tokens
    for index, token in enumerate(plain):
        if is_cjk(token):
            pair = index + 1 < len(plain) and is_cjk(plain[index + 1])
            key = token + plain[index + 1] if pair else token
            candidates.append((_score(key), key))
        else:
            candidates.append((len(token), token))
    if term.prefix:
        key = PREFIX_KEY + tokens[-1][:3]
        candidates.append((_PREFIX_SCORE, key))
    return candidates
