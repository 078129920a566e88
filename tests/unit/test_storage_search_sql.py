"""SearchExpr renderers: FTS5 MATCH strings, PostgreSQL tsquery and tsvector literals."""

from __future__ import annotations

import pytest

from feeds.search import AllOf, AnyOf, Phrase, SearchExpr, Tok
from storage.search_sql import PG_MAX_POSITION, fts5_match, pg_tsquery, pg_tsvector, simplify

RENDER_CASES = [
    pytest.param(Tok("solar"), '"solar"', "'solar'", id="token"),
    pytest.param(Tok("sol", prefix=True), '"sol"*', "'sol':*", id="prefix"),
    pytest.param(Tok("滨州"), '"滨州"', "'滨州'", id="cjk-bigram"),
    pytest.param(Tok("5g"), '"5g"', "'5g'", id="latin-digits"),
    pytest.param(Phrase(("solar", "ferry")), '"solar ferry"', "('solar' <-> 'ferry')", id="phrase"),
    pytest.param(
        AllOf((Tok("a"), AnyOf((Tok("b"), Phrase(("c", "d")))))),
        '("a" AND ("b" OR "c d"))',
        "('a' & ('b' | ('c' <-> 'd')))",
        id="nested-and-or",
    ),
    pytest.param(Tok('say"hi'), '"say""hi"', "'say\"hi'", id="double-quote-escaped"),
    pytest.param(Tok("o'neil"), '"o\'neil"', "'o''neil'", id="single-quote-escaped"),
    pytest.param(Tok("a\\b"), '"a\\b"', "'a\\\\b'", id="backslash-escaped-for-pg"),
    pytest.param(Tok("and"), '"and"', "'and'", id="keyword-quoted"),
    pytest.param(Tok("near(x"), '"near(x"', "'near(x'", id="syntax-chars-quoted"),
]


@pytest.mark.parametrize(("expr", "fts5", "tsquery"), RENDER_CASES)
def test_renderers(expr: SearchExpr, fts5: str, tsquery: str) -> None:
    assert fts5_match(expr) == fts5
    assert pg_tsquery(expr) == tsquery


SIMPLIFY_CASES = [
    pytest.param(Tok(""), True, id="empty-token-matches-all"),
    pytest.param(Phrase(()), True, id="empty-phrase-matches-all"),
    pytest.param(Phrase(("solo",)), Tok("solo"), id="one-word-phrase-is-token"),
    pytest.param(AllOf(()), True, id="empty-allof-matches-all"),
    pytest.param(AnyOf(()), False, id="empty-anyof-matches-nothing"),
    pytest.param(AllOf((Tok("a"),)), Tok("a"), id="single-allof-unwrapped"),
    pytest.param(AllOf((Tok("a"), Tok(""))), Tok("a"), id="allof-drops-true"),
    pytest.param(AllOf((Tok("a"), AnyOf(()))), False, id="allof-with-false"),
    pytest.param(AnyOf((Tok("a"), Tok(""))), True, id="anyof-with-true"),
    pytest.param(AnyOf((Tok("a"), AnyOf(()))), Tok("a"), id="anyof-drops-false"),
    pytest.param(AnyOf((Tok("a"), Tok("b"))), AnyOf((Tok("a"), Tok("b"))), id="unchanged"),
]


@pytest.mark.parametrize(("expr", "expected"), SIMPLIFY_CASES)
def test_simplify(expr: SearchExpr, expected: SearchExpr | bool) -> None:
    assert simplify(expr) == expected


@pytest.mark.parametrize("render", [fts5_match, pg_tsquery], ids=["fts5", "tsquery"])
def test_unsimplified_empty_group_is_refused(render: object) -> None:
    with pytest.raises(ValueError, match="simplif"):
        render(AllOf(()))  # type: ignore[operator]


TSVECTOR_CASES = [
    pytest.param("", "", id="empty"),
    pytest.param("solar ferry", "'solar':1 'ferry':2", id="positions"),
    pytest.param("a b a", "'a':1,3 'b':2", id="repeated-token"),
    pytest.param("o'neil a\\b", "'o''neil':1 'a\\\\b':2", id="escaped"),
    pytest.param("滨州 州市", "'滨州':1 '州市':2", id="cjk"),
]


@pytest.mark.parametrize(("tokens", "expected"), TSVECTOR_CASES)
def test_pg_tsvector(tokens: str, expected: str) -> None:
    assert pg_tsvector(tokens) == expected


def test_pg_tsvector_respects_limits() -> None:
    many = " ".join(["w"] * 300 + [f"t{i}" for i in range(PG_MAX_POSITION)] + ["x" * 3000])
    literal = pg_tsvector(many)
    w_positions = literal.split(" ", 1)[0].split(":")[1].split(",")
    assert len(w_positions) == 256
    assert "xxx" not in literal
    assert f"'t{PG_MAX_POSITION - 301}':{PG_MAX_POSITION}" in literal
    assert f"'t{PG_MAX_POSITION - 300}'" not in literal


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        pytest.param("'" * 1500, "'" + "''" * 1500 + "':1", id="kept-when-only-its-escaped-form-is-long"),
        pytest.param("é" * 1023 + "' b", "'b':2", id="too-long-unescaped-dropped"),
        pytest.param("é" * 1023 + " b", "'" + "é" * 1023 + "':1 'b':2", id="at-the-limit-kept"),
        pytest.param("a\\'b a\\'b", "'a\\\\''b':1,2", id="escaped-once-for-all-positions"),
    ],
)
def test_pg_tsvector_sizes_an_escaped_token_as_stored(tokens: str, expected: str) -> None:
    assert pg_tsvector(tokens) == expected
