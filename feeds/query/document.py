"""An item prepared for matching: normalized and tokenized once, then matched by many queries."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from functools import cached_property

from feeds.query.normalize import CJK_CHAR, is_cjk, normalize_text, offset_map, token_spans, tokenize

PREFIX_KEY = "\x00"  # index keys for prefix terms: PREFIX_KEY + the first 3 letters


class TextField:
    """One field (title or body): its tokens, looked up by value; positions and spans computed lazily."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.normalized = normalize_text(original)
        self.tokens = tokenize(self.normalized)
        self.token_set = frozenset(self.tokens)

    @cached_property
    def positions(self) -> dict[str, list[int]]:
        """Token -> every index where it occurs."""
        positions: dict[str, list[int]] = {}
        for index, token in enumerate(self.tokens):
            positions.setdefault(token, []).append(index)
        return positions

    @cached_property
    def sorted_tokens(self) -> list[str]:
        """Distinct tokens, sorted, for prefix lookups."""
        return sorted(self.token_set)

    @cached_property
    def cjk_bigrams(self) -> frozenset[str]:
        """Pairs of consecutive CJK tokens (separators between them ignored, as the matcher does)."""
        if CJK_CHAR.search(self.normalized) is None:
            return frozenset()
        flags = [is_cjk(token) for token in self.tokens]
        return frozenset(
            self.tokens[i] + self.tokens[i + 1]
            for i in range(len(self.tokens) - 1)
            if flags[i] and flags[i + 1]
        )

    def has_prefix(self, prefix: str) -> bool:
        """Whether some word starts with ``prefix``."""
        words = self.sorted_tokens
        at = bisect_left(words, prefix)
        return at < len(words) and words[at].startswith(prefix)

    def occurrences(self, tokens: tuple[str, ...], prefix: bool) -> Iterator[int]:
        """Start indexes where ``tokens`` occur consecutively (the last one as a prefix if ``prefix``)."""
        if prefix and len(tokens) == 1:
            head = tokens[0]
            yield from (i for i, token in enumerate(self.tokens) if token.startswith(head))
            return
        if not all(token in self.token_set for token in (tokens[:-1] if prefix else tokens)):
            return
        last = len(tokens) - 1
        size = len(self.tokens)
        for start in self.positions[tokens[0]]:
            if start + last >= size:
                break
            if all(self.tokens[start + k] == tokens[k] for k in range(1, last)) and (
                self.tokens[start + last].startswith(tokens[last])
                if prefix
                else self.tokens[start + last] == tokens[last]
            ):
                yield start

    def contains(self, tokens: tuple[str, ...], prefix: bool) -> bool:
        """Whether ``tokens`` occur consecutively."""
        if len(tokens) == 1:
            return self.has_prefix(tokens[0]) if prefix else tokens[0] in self.token_set
        return next(self.occurrences(tokens, prefix), None) is not None

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """Each token's span in the ORIGINAL text."""
        mapping = offset_map(self.original)
        return [(mapping[start], mapping[end - 1] + 1) for start, end in token_spans(self.normalized)]

    def span_of(self, start: int, count: int) -> tuple[int, int]:
        """Original-text span from token ``start`` through ``count`` tokens."""
        return self.spans[start][0], self.spans[start + count - 1][1]


class Document:
    """One item prepared for matching: normalize once, match many."""

    def __init__(self, title: str, body: str, source: str = "") -> None:
        self.title = TextField(title)
        self.body = TextField(body)
        self.source = " ".join(tokenize(normalize_text(source)))

    @classmethod
    def from_parts(cls, title: str, body: str, source: str = "") -> Document:
        """A document from an item's title, body and feed name."""
        return cls(title, body, source)

    def index_keys(self, with_prefixes: bool) -> set[str]:
        """Keys a subscription index looks up: tokens, CJK bigrams and (optionally) 3-letter prefixes."""
        keys = set(self.title.token_set)
        keys.update(self.body.token_set)
        keys.update(self.title.cjk_bigrams)
        keys.update(self.body.cjk_bigrams)
        if with_prefixes:
            keys.update([PREFIX_KEY + key[:3] for key in keys if len(key) >= 3])
        return keys
