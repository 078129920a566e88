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


# --- INTERIM implementation (replaced by the query package owner) ------------------------------------------
def index_tokens(title: str, body: str) -> str:
    """Space-separated search tokens of title and body (interim: words, CJK bigrams and single characters)."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", f"{title}\n{body}").casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    tokens: list[str] = []
    for run in re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+|[^\W_]+", text):
        if re.match(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", run):
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
            tokens.extend(run)
        else:
            tokens.append(run)
    return " ".join(tokens)
