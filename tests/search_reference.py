"""The search tokens and tsvector literals as written before they were made fast (2026-12-07), kept as the
reference: ``tests/unit/test_search_tokens_reference.py`` holds the running code to their output, token for
token, and ``benchmarks/tokens.py`` times both. Plain token-by-token loops over the matcher's tokens."""

from __future__ import annotations

from feeds.query.normalize import is_cjk, normalize_text, tokenize

PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_LEXEME = 256
PG_MAX_LEXEME_BYTES = 2046
_POSITIONS = tuple(str(position) for position in range(1, PG_MAX_POSITION + 1))


def previous_index_tokens(title: str, body: str) -> str:
    """Words in place, each run of consecutive CJK tokens as its overlapping pairs in place, then every
    distinct CJK character once."""
    tokens: list[str] = []
    singles: dict[str, None] = {}
    for text in (title, body):
        run: list[str] = []
        for token in tokenize(normalize_text(text)):
            if is_cjk(token):
                run.append(token)
                singles[token] = None
                continue
            if run:
                tokens.extend(_bigrams(run))
                run = []
            tokens.append(token)
        tokens.extend(_bigrams(run))
    tokens.extend(singles)
    return " ".join(tokens)


def _bigrams(run: list[str]) -> list[str]:
    return [run[i] + run[i + 1] for i in range(len(run) - 1)]


def previous_pg_tsvector(tokens: str) -> str:
    """Each token once (escaped), in order of first appearance, with its first 256 positions up to 16383; a
    token longer than PostgreSQL's lexeme limit once unescaped is left out."""
    if "'" in tokens or "\\" in tokens:
        tokens = tokens.replace("\\", "\\\\").replace("'", "''")
    positions: dict[str, list[str]] = {}
    for position, token in zip(_POSITIONS, tokens.split(), strict=False):
        seen = positions.get(token)
        if seen is None:
            positions[token] = [position]
        elif len(seen) < PG_MAX_POSITIONS_PER_LEXEME:
            seen.append(position)
    return " ".join(
        [
            f"'{token}':{seen[0] if len(seen) == 1 else ','.join(seen)}"
            for token, seen in positions.items()
            if len(token) * 4 <= PG_MAX_LEXEME_BYTES or _lexeme_fits(token)
        ]
    )


def _lexeme_fits(escaped: str) -> bool:
    return len(escaped.replace("''", "'").replace("\\\\", "\\").encode()) <= PG_MAX_LEXEME_BYTES
