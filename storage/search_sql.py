"""Render ``feeds.search.SearchExpr`` for the database: FTS5 MATCH strings, PostgreSQL tsquery/tsvector.

Expressions are simplified first (``simplify``): an empty token or phrase, or an empty ``AllOf``, matches
everything (candidates must be a superset, so "no constraint" is the safe reading); an empty ``AnyOf``
matches nothing. Every token is quoted, so no token text can be read as query syntax.
"""

from __future__ import annotations

from collections import defaultdict

from feeds.search import AllOf, AnyOf, Phrase, SearchExpr, Tok

# PostgreSQL limits: positions 1..16383, at most 256 positions per lexeme, lexemes shorter than 2 KB.
PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_LEXEME = 256
PG_MAX_LEXEME_BYTES = 2046


def simplify(expr: SearchExpr) -> SearchExpr | bool:
    """The same expression without empty parts; ``True`` = matches everything, ``False`` = nothing."""
    if isinstance(expr, Tok):
        return expr if expr.text else True
    if isinstance(expr, Phrase):
        tokens = tuple(t for t in expr.tokens if t)
        if not tokens:
            return True
        return Tok(tokens[0]) if len(tokens) == 1 else Phrase(tokens)
    parts = [simplify(p) for p in expr.parts]
    if isinstance(expr, AllOf):
        if False in parts:
            return False
        kept = tuple(p for p in parts if not isinstance(p, bool))
        return True if not kept else kept[0] if len(kept) == 1 else AllOf(kept)
    if True in parts:
        return True
    kept = tuple(p for p in parts if not isinstance(p, bool))
    return False if not kept else kept[0] if len(kept) == 1 else AnyOf(kept)


def fts5_match(expr: SearchExpr) -> str:
    """An FTS5 MATCH string for a simplified expression: ``"tok"``, ``"tok"*``, ``"a b"``, AND/OR."""
    if isinstance(expr, Tok):
        return _fts5_quote(expr.text) + ("*" if expr.prefix else "")
    if isinstance(expr, Phrase):
        return _fts5_quote(" ".join(expr.tokens))
    joiner = " AND " if isinstance(expr, AllOf) else " OR "
    return "(" + joiner.join(fts5_match(p) for p in _parts(expr)) + ")"


def pg_tsquery(expr: SearchExpr) -> str:
    """A tsquery literal of a simplified expression: ``'tok'``, ``'tok':*``, ``'a' <-> 'b'``, ``&``, ``|``."""
    if isinstance(expr, Tok):
        return _pg_quote(expr.text) + (":*" if expr.prefix else "")
    if isinstance(expr, Phrase):
        return "(" + " <-> ".join(_pg_quote(t) for t in expr.tokens) + ")"
    joiner = " & " if isinstance(expr, AllOf) else " | "
    return "(" + joiner.join(pg_tsquery(p) for p in _parts(expr)) + ")"


def pg_tsvector(tokens: str, words: list[str] | None = None) -> str:
    """A tsvector literal of space-separated tokens with their positions (``'a':1,3 'b':2``), in limits.

    ``words``: ``tokens`` already split, when the caller has them (``feeds.pipeline.Lexemes``, in the parse
    worker). Runs for every item stored on PostgreSQL: the tokens are escaped once as a whole (they hold no
    whitespace, so escaping keeps their boundaries), positions are written from a table of strings, and the
    size limits are checked once for the whole item, lexeme by lexeme only when one is past them."""
    if "'" in tokens or "\\" in tokens:
        words = tokens.replace("\\", "\\\\").replace("'", "''").split()
    elif words is None:
        words = tokens.split()
    positions: defaultdict[str, list[str]] = defaultdict(list)
    for position, word in zip(_POSITIONS, words, strict=False):
        positions[word].append(position)
    if not positions:
        return ""
    lists = positions.values()
    if (
        max(map(len, positions)) * 4 > PG_MAX_LEXEME_BYTES
        or max(map(len, lists)) > PG_MAX_POSITIONS_PER_LEXEME
    ):
        return _pg_lexemes_in_limits(positions)
    return " ".join([f"'{token}':{','.join(seen)}" for token, seen in positions.items()])


def _pg_lexemes_in_limits(positions: dict[str, list[str]]) -> str:
    """``pg_tsvector``'s lexemes with at most the positions PostgreSQL keeps; too long ones left out."""
    return " ".join(
        [
            f"'{token}':{','.join(seen[:PG_MAX_POSITIONS_PER_LEXEME])}"
            for token, seen in positions.items()
            if len(token) * 4 <= PG_MAX_LEXEME_BYTES or _lexeme_fits(token)
        ]
    )


_POSITIONS = tuple(str(position) for position in range(1, PG_MAX_POSITION + 1))


def _lexeme_fits(escaped: str) -> bool:
    """Whether a long escaped token is within PostgreSQL's lexeme size once unescaped."""
    return len(escaped.replace("''", "'").replace("\\\\", "\\").encode()) <= PG_MAX_LEXEME_BYTES


def _fts5_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _pg_quote(text: str) -> str:
    if "'" in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace("'", "''")
    return f"'{text}'"


def _parts(expr: AllOf | AnyOf) -> tuple[SearchExpr, ...]:
    if not expr.parts:
        raise ValueError("empty AllOf/AnyOf: render a simplified expression (see simplify)")
    return expr.parts
