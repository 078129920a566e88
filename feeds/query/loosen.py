"""Looser versions of a query that matched nothing, for /test to try and suggest.

``loosenings`` proposes, in order: a phrase as separate words, the query without one exclusion, a
``title:`` term anywhere, the query without one ``source:``, and (for an AND of several terms) without one
term. Each proposal is a valid query text; the caller counts each and shows those that would match.
``query_text`` writes a node tree back as query text that parses to the same tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import groupby

from feeds.query.lexer import QueryError
from feeds.query.nodes import And, Field, Node, Not, Or, Source, Term
from feeds.query.normalize import display, is_cjk
from feeds.query.query import Query, parse_query


class Loosen(StrEnum):
    """What a suggestion changes."""

    PHRASE_AS_WORDS = "phrase_as_words"
    DROP_EXCLUSION = "drop_exclusion"
    TITLE_ANYWHERE = "title_anywhere"
    DROP_SOURCE = "drop_source"
    DROP_TERM = "drop_term"


@dataclass(frozen=True, slots=True)
class Loosening:
    """A looser query: what changed (``kind``), the part concerned (as query text) and the new query."""

    kind: Loosen
    part: str
    query: Query


def query_text(node: Node) -> str:
    """Query text for a node tree (``parse_query(query_text(n)).node == n`` for parsed trees)."""
    if isinstance(node, Term):
        return _term_text(node)
    if isinstance(node, Source):
        return f'source:"{node.name}"' if " " in node.name else f"source:{node.name}"
    if isinstance(node, Not):
        return "-" + _grouped(node.part)
    if isinstance(node, Or):
        return " OR ".join(_grouped(part) for part in node.parts)
    return " ".join(_grouped(part) for part in node.parts)


def _grouped(node: Node) -> str:
    return f"({query_text(node)})" if isinstance(node, And | Or) else query_text(node)


def _term_text(term: Term) -> str:
    words = display(term.tokens)
    text = f'"{words}"' if len(term.tokens) > 1 and not term.prefix else words + ("*" if term.prefix else "")
    return f"title:{text}" if term.field == Field.TITLE else text


def loosenings(query: Query) -> list[Loosening]:
    """Valid, distinct looser queries, most specific change first."""
    found: dict[str, Loosening] = {}
    for kind, part, node in _proposals(query.node):
        text = query_text(node)
        if text in found or node == query.node:
            continue
        try:
            found[text] = Loosening(kind, query_text(part), parse_query(text))
        except QueryError:
            continue  # e.g. nothing left that must appear
    return list(found.values())


Proposal = tuple[Loosen, Node, Node]  # (kind, the part changed, the whole new tree)


def _proposals(root: Node) -> Iterator[Proposal]:
    rules: list[tuple[Loosen, Callable[[Node], Node | None]]] = [
        (Loosen.PHRASE_AS_WORDS, _as_words),
        (Loosen.DROP_EXCLUSION, lambda n: _DROP if isinstance(n, Not) else None),
        (Loosen.TITLE_ANYWHERE, _anywhere),
        (Loosen.DROP_SOURCE, lambda n: _DROP if isinstance(n, Source) else None),
    ]
    for kind, rule in rules:
        for part, new in _rewrites(root, rule):
            yield kind, part, new
    if isinstance(root, And):
        for index, part in enumerate(root.parts):
            if isinstance(part, Term | Or):
                yield Loosen.DROP_TERM, part, _rebuild(And, root.parts[:index] + root.parts[index + 1 :])


_DROP = And(())  # marker: remove this part from its parent


def _rewrites(node: Node, rule: Callable[[Node], Node | None]) -> Iterator[tuple[Node, Node]]:
    """(part, new tree) for every part the rule rewrites, one rewrite at a time.

    Never inside a negation (loosening an excluded part makes the query stricter); a part is dropped only
    from an AND (dropping an OR branch is stricter too)."""
    new = rule(node)
    if new is not None:
        yield node, new
    if not isinstance(node, And | Or):
        return
    for index, child in enumerate(node.parts):
        for part, inner in _rewrites(child, rule):
            if inner is _DROP and isinstance(node, Or):
                continue
            kept = () if inner is _DROP else (inner,)
            yield part, _rebuild(type(node), node.parts[:index] + kept + node.parts[index + 1 :])


def _rebuild(kind: type[And] | type[Or], parts: tuple[Node, ...]) -> Node:
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _as_words(node: Node) -> Node | None:
    """A phrase of several words (CJK runs kept whole) as an AND of its words; else None."""
    if not isinstance(node, Term) or len(node.tokens) < 2:
        return None
    groups: list[tuple[str, ...]] = []
    for cjk, run in groupby(node.tokens, key=is_cjk):
        tokens = tuple(run)
        groups.extend([tokens] if cjk else [(token,) for token in tokens])
    if len(groups) < 2:
        return None
    last = len(groups) - 1
    terms = [Term(g, node.field, node.prefix and i == last) for i, g in enumerate(groups)]
    return And(tuple(terms))


def _anywhere(node: Node) -> Node | None:
    """A ``title:`` term as the same term anywhere; else None."""
    if isinstance(node, Term) and node.field == Field.TITLE:
        return Term(node.tokens, Field.ANY, node.prefix)
    return None
