"""Search tokens and candidate expressions: how the database pre-filters items for ``/recent``.

The database keeps, per item, a string of *search tokens* (``index_tokens``) in a full-text index. A query is
turned into a ``SearchExpr`` (``candidate_expr``) whose matches are a **superset** of the items the query
matches; the matcher then verifies each candidate, so the answer is exactly what a subscription would match.
``storage`` renders a ``SearchExpr`` to SQLite FTS5 or PostgreSQL tsquery syntax; this module knows neither.

Tokens are normalized exactly as the matcher normalizes text (NFKC, casefold, diacritics folded); tokens are
separated by single spaces and never contain whitespace.
"""

from __future__ import annotations

from dataclasses import dataclass


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
