"""An item prepared for matching: normalized and tokenized once, then matched by many queries."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from functools import cached_property
from itertools import chain
from operator import itemgetter

from feeds.query.normalize import normalize_text, offset_map, token_spans, tokenize, tokenize_with_pairs

PREFIX_KEY = "\x00"  # index keys for prefix terms: PREFIX_KEY + the first 3 letters
PREFIX_LENGTH = 3
_NO_KEYS: frozenset[str] = frozenset()
HEAD_LENGTH = 4  # ``Document.heads``: the first 4 letters of each word
_HEAD = itemgetter(slice(None, HEAD_LENGTH))


class TextField:
    """One field (title or body): tokens and CJK pairs at once; token set, sorted tokens, spans lazily."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.normalized = normalize_text(original)
        if self.normalized.isascii():
            self.tokens = self.words = tokenize(self.normalized)
            self.cjk_bigrams = _NO_KEYS
        else:
            self.tokens, self.cjk_bigrams, self.words = tokenize_with_pairs(self.normalized)

    @cached_property
    def token_set(self) -> frozenset[str]:
        """Distinct tokens."""
        return frozenset(self.tokens)

    @cached_property
    def keys(self) -> frozenset[str]:
        """Distinct tokens and CJK pairs: a simple term (see ``plan``) matches iff its key is here."""
        return self.token_set | self.cjk_bigrams

    @cached_property
    def sorted_tokens(self) -> list[str]:
        """Distinct tokens, sorted, for prefix lookups."""
        return sorted(self.token_set)

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
        words = self.tokens
        stop = len(words) - last  # a match must start before this
        start = -1
        while start + 1 < stop:
            try:
                start = words.index(tokens[0], start + 1, stop)
            except ValueError:
                return
            if all(words[start + k] == tokens[k] for k in range(1, last)) and (
                words[start + last].startswith(tokens[last])
                if prefix
                else words[start + last] == tokens[last]
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
    """One item prepared for matching: normalize once, match many.

    ``keys``: every distinct token and CJK pair of the title and the body, the set queries test. The index
    looks up ``words`` (tokens that are not CJK characters) and ``pairs`` (CJK pairs), and ``cjk_chars``
    (single CJK characters, made on demand) only when some query is anchored on a single character."""

    def __init__(self, title: str, body: str, source: str = "") -> None:
        self.title = TextField(title)
        self.body = TextField(body)
        self._source = source
        title_, body_ = self.title, self.body
        if title_.words is title_.tokens and body_.words is body_.tokens:  # no CJK character at all
            self.keys = self.words = frozenset(title_.tokens + body_.tokens)
            self.pairs = _NO_KEYS
        else:
            self.words = frozenset(title_.words + body_.words)
            self.pairs = title_.cjk_bigrams | body_.cjk_bigrams
            self.keys = frozenset(chain(title_.tokens, body_.tokens, self.pairs))

    @cached_property
    def cjk_chars(self) -> frozenset[str]:
        """The distinct single CJK characters."""
        return self.keys - self.words - self.pairs

    @classmethod
    def from_parts(cls, title: str, body: str, source: str = "") -> Document:
        """A document from an item's title, body and feed name."""
        return cls(title, body, source)

    @cached_property
    def source(self) -> str:
        """The feed name as normalized, space-joined tokens (``source:`` terms look inside it)."""
        return " ".join(tokenize(normalize_text(self._source)))

    @cached_property
    def prefixes(self) -> frozenset[str]:
        """The first 3 characters of every key at least that long (prefix terms are indexed by them)."""
        return frozenset([key[:PREFIX_LENGTH] for key in self.keys if len(key) >= PREFIX_LENGTH])

    @cached_property
    def spaced_words(self) -> str:
        """The distinct words, each after a space: ``" " + prefix in spaced_words`` tests a prefix."""
        return " " + " ".join(self.words)

    @cached_property
    def heads(self) -> frozenset[str]:
        """The first 4 letters of every word (a shorter word whole): a word starting with a prefix of 4
        letters or more has that prefix's first 4 here."""
        return frozenset(map(_HEAD, self.words))

    def has_prefix(self, prefix: str) -> bool:
        """Whether some word of the title or the body starts with ``prefix`` (a word, never CJK).

        A prefix of 4 letters or more is first looked up in ``heads`` (cheaper than scanning
        ``spaced_words`` once a few prefixes are tested), and only a longer one found there is confirmed
        by a scan."""
        if len(prefix) < HEAD_LENGTH:
            return " " + prefix in self.spaced_words
        return prefix[:HEAD_LENGTH] in self.heads and (
            len(prefix) == HEAD_LENGTH or " " + prefix in self.spaced_words
        )
