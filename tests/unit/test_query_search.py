"""Search tokens for the database full-text index and the candidate expressions queries turn into."""

from __future__ import annotations

import pytest

from feeds.query import parse_query
from feeds.search import AllOf, AnyOf, Phrase, SearchExpr, Tok, candidate_expr, index_tokens

TOKENS = [
    ("latin-words", "Coal-fired Plant", "China's 5GW", "coal fired plant china s 5gw"),
    ("normalized", "Straße", "Ｚüｒｉｃｈ ﬁ", "strasse zurich fi"),
    ("latin-inside-cjk", "滨州Binzhou市", "", "滨州 binzhou 滨 州 市"),
    ("cjk-bigrams-then-singles", "", "山东省滨州", "山东 东省 省滨 滨州 山 东 省 滨 州"),
    ("cjk-run-across-space", "", "滨州 市", "滨州 州市 滨 州 市"),
    ("singles-once", "滨州", "滨州", "滨州 滨州 滨 州"),
    ("punctuation-dropped", '"quoted" (a) b:c & d|e !f <g>', "", "quoted a b c d e f g"),
    ("empty", "", "  ", ""),
]


@pytest.mark.parametrize(("title", "body", "expected"), [t[1:] for t in TOKENS], ids=[t[0] for t in TOKENS])
def test_index_tokens(title: str, body: str, expected: str) -> None:
    assert index_tokens(title, body) == expected


EXPRESSIONS: list[tuple[str, str, SearchExpr | None]] = [
    ("word", "Binzhou", Tok("binzhou")),
    ("and", "Binzhou Shandong", AllOf((Tok("binzhou"), Tok("shandong")))),
    ("or", "aluminium OR aluminum", AnyOf((Tok("aluminium"), Tok("aluminum")))),
    ("phrase", '"Weiqiao Pioneering"', Phrase(("weiqiao", "pioneering"))),
    ("prefix", "alumin*", Tok("alumin", prefix=True)),
    ("prefix-in-phrase", "coal-fir*", AllOf((Tok("coal"), Tok("fir", prefix=True)))),
    ("cjk-one-char", "铝", Tok("铝")),
    ("cjk-two-chars", "滨州", Tok("滨州")),
    ("cjk-bigram-phrase", "滨州市", Phrase(("滨州", "州市"))),
    ("mixed-script", "滨州Binzhou", AllOf((Tok("滨州"), Tok("binzhou")))),
    ("negation-dropped", "Binzhou -sports", Tok("binzhou")),
    ("source-dropped", "Binzhou source:xinhua", Tok("binzhou")),
    ("title-anywhere", "title:Binzhou", Tok("binzhou")),
    ("or-with-source-inexpressible", "Binzhou (Shandong OR source:xinhua)", Tok("binzhou")),
    ("group-flattened", "(a b) (c d)", AllOf((Tok("a"), Tok("b"), Tok("c"), Tok("d")))),
    ("nested", "x (a OR (b c))", AllOf((Tok("x"), AnyOf((Tok("a"), AllOf((Tok("b"), Tok("c")))))))),
]


@pytest.mark.parametrize(("query", "expected"), [e[1:] for e in EXPRESSIONS], ids=[e[0] for e in EXPRESSIONS])
def test_candidate_expr(query: str, expected: SearchExpr | None) -> None:
    assert candidate_expr(parse_query(query)) == expected
