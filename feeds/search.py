"""Search tokens and candidate expressions: how the database pre-filters items for ``/recent``.

The database keeps, per item, a string of *search tokens* (``index_tokens``) in a full-text index. A query is
turned into a ``SearchExpr`` (``candidate_expr``) whose matches are a **superset** of the items the query
matches; the matcher then verifies each candidate, so the answer is exactly what a subscription would match.
``storage`` renders a ``SearchExpr`` to SQLite FTS5 or PostgreSQL tsquery syntax; this module knows neither.

Tokens are normalized exactly as the matcher normalizes text (NFKC, casefold, diacritics folded); tokens are
separated by single spaces and never contain whitespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby
from operator import add

from feeds.models import Item
from feeds.query import Document, Query
from feeds.query.evaluate import simple_key
from feeds.query.nodes import And, Field, Node, Not, Or, Term
from feeds.query.normalize import CJK_CHAR, is_cjk, normalize_text, tokenize


@dataclass(frozen=True, slots=True)
class Tok:
    """One token; with ``prefix`` it matches any token starting with ``text``."""

    text: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    """Tokens consecutive and in order."""

    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every part must match."""

    parts: tuple[SearchExpr, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one part must match."""

    parts: tuple[SearchExpr, ...]


SearchExpr = Tok | Phrase | AllOf | AnyOf


def index_tokens(title: str, body: str) -> str:
    """Space-separated search tokens of title then body, normalized exactly like the matcher.

    Words are whole tokens; each run of CJK characters (consecutive in the matcher's token stream) gives its
    overlapping bigrams in place, and every distinct CJK character is added once at the end."""
    return " ".join(index_token_list(title, body))


def index_token_list(title: str, body: str) -> list[str]:
    """The tokens of ``index_tokens``, in order.

    Runs for every stored item: text without a CJK character is split at C speed (``tokenize``), and text
    with one is rewritten run by run by a regular expression over its joined tokens, not token by token."""
    tokens: list[str] = []
    singles: list[str] = []
    for text in (title, body):
        normalized = normalize_text(text)
        if normalized.isascii() or CJK_CHAR.search(normalized) is None:
            tokens.extend(tokenize(normalized))
            continue
        joined = " ".join(tokenize(normalized))  # a CJK character is always a token of its own
        singles.extend(CJK_CHAR.findall(joined))
        tokens.extend(_CJK_RUN.sub(_bigrams, joined).split())
    tokens.extend(dict.fromkeys(singles))
    return tokens


_CJK_RUN = re.compile(f"{CJK_CHAR.pattern}(?: {CJK_CHAR.pattern})*")
"""Consecutive single-character CJK tokens in space-joined tokens."""


def _bigrams(run: re.Match[str]) -> str:
    """A run's overlapping pairs, space-separated (nothing for a lone character)."""
    chars = run.group()[::2]
    return " ".join(map(add, chars, chars[1:]))


def candidate_expr(query: Query) -> SearchExpr | None:
    """An expression over ``index_tokens`` matching a superset of the query's matches; None if none."""
    return _expr(query.node)


def _expr(node: Node) -> SearchExpr | None:
    if isinstance(node, Term):
        return _term_expr(node)
    if isinstance(node, And):
        parts = [part for part in map(_expr, node.parts) if part is not None]
        return _combine(AllOf, parts) if parts else None
    if isinstance(node, Or):
        options = [_expr(part) for part in node.parts]
        if any(option is None for option in options):
            return None
        return _combine(AnyOf, [option for option in options if option is not None])
    return None  # Not and Source: dropped (a superset stays a superset)


def _term_expr(term: Term) -> SearchExpr:
    """Words as a Tok or Phrase (trailing prefix as its own Tok), CJK runs as Phrases of their bigrams."""
    parts: list[SearchExpr] = []
    for is_cjk_run, group in groupby(term.tokens, key=is_cjk):
        run = list(group)
        units = ["".join(run[i : i + 2]) for i in range(max(1, len(run) - 1))] if is_cjk_run else run
        parts.append(Tok(units[0]) if len(units) == 1 else Phrase(tuple(units)))
    if term.prefix:
        last = parts.pop()
        words = last.tokens if isinstance(last, Phrase) else (last.text,) if isinstance(last, Tok) else ()
        if len(words) > 1:
            parts.append(Tok(words[0]) if len(words) == 2 else Phrase(words[:-1]))
        parts.append(Tok(words[-1], prefix=True))
    return _combine(AllOf, parts)


def _combine(kind: type[AllOf] | type[AnyOf], parts: list[SearchExpr]) -> SearchExpr:
    """One expression for several parts, flattening nested ones of the same kind."""
    flat: list[SearchExpr] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def candidates_are_exact(query: Query) -> bool:
    """Whether every candidate of ``candidate_expr`` matches the query, so no text needs checking.

    True for ANDs and ORs of single words and CJK characters or pairs anywhere in the text: their candidate
    tokens are exactly the matcher's keys. Phrases, prefixes, ``title:``, ``source:`` and exclusions are
    checked by the matcher."""
    return _exact(query.node)


def exact_split(query: Query) -> tuple[SearchExpr, tuple[SearchExpr, ...]] | None:
    """(what must match, what must not) when the index answers the query exactly, else None.

    Exact: an AND of parts that ``candidates_are_exact`` accepts, and exclusions of such parts (``-ferry``,
    ``-(a OR b)``: a plain word is absent from the text exactly when its token is absent from the index).
    At least one part must be positive."""
    node = query.node
    include: list[SearchExpr] = []
    exclude: list[SearchExpr] = []
    for part in node.parts if isinstance(node, And) else (node,):
        wanted, target = (part.part, exclude) if isinstance(part, Not) else (part, include)
        expr = _expr(wanted) if _exact(wanted) else None
        if expr is None:
            return None
        target.append(expr)
    if not include:
        return None
    return _combine(AllOf, include), tuple(exclude)


def _exact(node: Node) -> bool:
    if isinstance(node, Term):
        return node.field is Field.ANY and simple_key(node) is not None
    if isinstance(node, And | Or):
        return all(_exact(part) for part in node.parts)
    return False


def item_document(item: Item) -> Document:
    """The text a query sees: headline, and the body with the dateline place in front of it."""
    return text_document(item.title, item.body, item.dateline.place, item.feed_name)


def text_document(title: str, body: str, place: str | None, feed_name: str) -> Document:
    """``item_document`` from the columns it reads (for callers that fetch only those)."""
    return Document.from_parts(title, f"{place}\n{body}" if place else body, feed_name)
