"""Prefix tests on a document: 3-letter prefixes scan the joined words, longer ones go through the set of
word heads (and a scan when longer than a head); both must say exactly whether some word starts with it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.query import Document, parse_query

LETTERS = "abcz"
word = st.text(LETTERS, min_size=1, max_size=7)


@settings(max_examples=300, deadline=None)
@given(st.lists(word, max_size=30), st.lists(st.text(LETTERS, min_size=3, max_size=6), max_size=20))
def test_has_prefix_agrees_with_a_plain_scan(words: list[str], prefixes: list[str]) -> None:
    doc = Document.from_parts(" ".join(words[:3]), " ".join(words[3:]))
    for prefix in prefixes:
        assert doc.has_prefix(prefix) is any(w.startswith(prefix) for w in words), prefix


CASES = [
    ("four-letter-hit", "alum*", True),
    ("four-letter-head-longer-stem-miss", "alumx*", False),
    ("longer-stem-hit", "aluminium*", True),
    ("three-letter-after-heads", "wor*", True),
    ("three-letter-inside-a-word-only", "ini*", False),
    ("three-letter-miss", "zzz*", False),
    ("four-letter-miss", "boxe*", False),
    ("exact-four-letter-word", "word*", True),
]


@pytest.mark.parametrize(("query", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_prefix_terms_after_many_tests_on_one_document(query: str, expected: bool) -> None:
    doc = Document.from_parts("Aluminiumwerk", "word and boxing")
    for warm_up in ("xyzq*", "qqqq*", "pppp*", "oooo*", "nnnn*"):
        assert not parse_query(warm_up).matches(doc)
    assert parse_query(query).matches(doc) is expected
