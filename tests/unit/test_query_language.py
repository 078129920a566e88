"""The query language as users see it: what matches, what is refused and how it is described."""

from __future__ import annotations

import pytest

from feeds.query import Document, QueryError, normalize_text, parse_query

CHINESE_BODY = "山东省滨州市坚持工业立市，推动铝业转型。"

MATCHES = [
    # (id, query, title, body, source, expected)
    ("term-in-title", "Binzhou", "Binzhou expands", "", "", True),
    ("term-in-body", "Binzhou", "", "News from binzhou today", "", True),
    ("term-absent", "Binzhou", "Dongying", "Shandong", "", False),
    ("and-both", "Binzhou Shandong", "Binzhou", "in Shandong", "", True),
    ("and-one-missing", "Binzhou Shandong", "Binzhou", "in Hebei", "", False),
    ("whole-word-not-inside", "coal", "Coalition forms", "", "", False),
    ("whole-word-hyphen", "coal", "", "a coal-fired plant", "", True),
    ("whole-word-dot", "coal", "", "We sell Coal.", "", True),
    ("possessive", "China", "", "China's exports", "", True),
    ("digits-are-word", "5G", "", "a 5GW plant", "", False),
    ("digits-term", "5G", "", "5G rollout", "", True),
    ("latin-inside-cjk", "Binzhou", "滨州Binzhou市", "", "", True),
    ("cjk-inside-run", "滨州", "", CHINESE_BODY, "", True),
    ("cjk-absent", "东营", "", CHINESE_BODY, "", False),
    ("cjk-single-char", "铝", "", CHINESE_BODY, "", True),
    ("cjk-across-line-break", "滨州", "", "山东省滨\n州市", "", True),
    ("japanese-kana", "カタカナ", "", "これはカタカナです", "", True),
    ("korean", "서울", "", "서울특별시", "", True),
    ("phrase-consecutive", '"Weiqiao Pioneering"', "", "Weiqiao Pioneering Group", "", True),
    ("phrase-across-newline-and-punct", '"Weiqiao Pioneering"', "", "Weiqiao,\n  Pioneering", "", True),
    ("phrase-wrong-order", '"Weiqiao Pioneering"', "", "Pioneering Weiqiao", "", False),
    ("phrase-gap", '"Weiqiao Pioneering"', "", "Weiqiao and Pioneering", "", False),
    ("phrase-not-across-fields", '"Weiqiao Pioneering"', "Weiqiao", "Pioneering", "", False),
    ("phrase-longer-than-text", "\"China's China's\"", "", "China's", "", False),
    ("phrase-at-the-very-end", '"Weiqiao Pioneering"', "", "by Weiqiao Pioneering", "", True),
    ("hyphenated-term-is-phrase", "coal-fired", "", "coal fired plant", "", True),
    ("or-left", "aluminium OR aluminum", "", "aluminium prices", "", True),
    ("or-right", "aluminium OR aluminum", "", "aluminum prices", "", True),
    ("or-neither", "aluminium OR aluminum", "", "copper prices", "", False),
    ("lowercase-or-is-a-word", "aluminium or aluminum", "", "aluminum prices", "", False),
    ("or-binds-tighter", "Binzhou aluminium OR aluminum", "", "Binzhou aluminum", "", True),
    ("or-binds-tighter-needs-and", "Binzhou aluminium OR aluminum", "", "aluminum", "", False),
    ("group", "(Binzhou OR Dongying) Shandong", "", "Dongying, Shandong", "", True),
    ("group-missing", "(Binzhou OR Dongying) Shandong", "", "Dongying", "", False),
    ("minus-excludes", "Binzhou -sports", "", "Binzhou sports", "", False),
    ("minus-passes", "Binzhou -sports", "", "Binzhou industry", "", True),
    ("not-excludes", "Binzhou NOT sports", "Sports", "Binzhou", "", False),
    ("minus-phrase", 'Binzhou -"trade fair"', "", "Binzhou trade fair", "", False),
    ("minus-phrase-partial", 'Binzhou -"trade fair"', "", "Binzhou trade and fair", "", True),
    ("minus-group", "Binzhou -(sports music)", "", "Binzhou sports", "", True),
    ("minus-group-both", "Binzhou -(sports music)", "", "Binzhou sports music", "", False),
    ("double-negation", "Binzhou -(-sports)", "", "Binzhou", "", False),
    ("prefix", "alumin*", "", "Aluminium smelter", "", True),
    ("prefix-exact-word", "alumin*", "", "alumin", "", True),
    ("prefix-not-inside", "alumin*", "", "nonaluminium", "", False),
    ("prefix-in-phrase", "coal-fir*", "", "coal firing", "", True),
    ("title-only-hit", "title:Binzhou", "Binzhou", "", "", True),
    ("title-only-miss", "title:Binzhou", "News", "Binzhou", "", False),
    ("title-phrase", 'title:"Weiqiao Pioneering"', "Weiqiao Pioneering wins", "", "", True),
    ("title-group", "title:(Binzhou OR Dongying)", "Dongying", "Binzhou", "", True),
    ("source-hit", "Binzhou source:xinhua", "Binzhou", "", "Xinhua-AsiaNet", True),
    ("source-miss", "Binzhou source:xinhua", "Binzhou", "", "PR Newswire", False),
    ("source-normalized", 'Binzhou source:"pr newswire"', "Binzhou", "", "PR-Newswire (US)", True),
    ("source-excluded", "Binzhou -source:prnewswire", "Binzhou", "", "PRNewswire", False),
    ("nfkc-fullwidth", "Ｂｉｎｚｈｏｕ", "binzhou", "", "", True),
    ("casefold-sharp-s", "Straße", "STRASSE", "", "", True),
    ("diacritics", "zurich", "Zürich", "", "", True),
    ("diacritics-in-query", "Zürich", "ZURICH", "", "", True),
    ("combining-accent", "café", "", "cafe\u0301 opens", "", True),
    ("ligature", "fish", "", "ﬁsh market", "", True),
    ("fullwidth-parens-in-query", "（Binzhou OR Dongying） Shandong", "", "Binzhou Shandong", "", True),
    ("explicit-and", "Binzhou AND Shandong", "", "Shandong", "", False),
]


@pytest.mark.parametrize(
    ("query", "title", "body", "source", "expected"), [m[1:] for m in MATCHES], ids=[m[0] for m in MATCHES]
)
def test_query_matches(query: str, title: str, body: str, source: str, expected: bool) -> None:
    assert parse_query(query).matches(Document.from_parts(title, body, source)) is expected


ERRORS = [
    ("unclosed-quote", 'Binzhou "Weiqiao Pioneering', 'unclosed quote after "Weiqiao', 9),
    ("unclosed-quote-at-end", 'Binzhou "', "unclosed quote at position 9", 9),
    ("only-exclusion", "-sports", "a query needs at least one term that must appear", None),
    ("or-with-exclusion", "Binzhou OR -sports", "a query needs at least one term that must appear", None),
    ("only-source", "source:xinhua", "a query needs at least one term that must appear", None),
    ("or-missing-right", "aluminium OR", '"OR" needs a term on both sides', 11),
    ("or-missing-left", "OR aluminium", '"OR" needs a term on both sides', 1),
    ("or-or", "a OR OR b", '"OR" needs a term on both sides', 3),
    ("or-before-paren", "(a OR) b", '"OR" needs a term on both sides', 4),
    ("and-missing", "a AND", '"AND" needs a term on both sides', 3),
    ("too-long", "x" * 600, "query too long (600 > 512 characters)", None),
    ("unbalanced-close", "Weiqiao Group) x", "unbalanced parenthesis at position 14", 14),
    ("unbalanced-open", "(Binzhou OR Dongying", "unbalanced parenthesis at position 1", 1),
    ("short-prefix", "al*", 'prefix "al*" needs at least 3 letters before "*"', 1),
    ("bare-star", "Binzhou *", 'prefix "*" needs at least 3 letters before "*"', 9),
    ("star-inside", "a*b", '"*" only works at the end of a word, e.g. alumin* (in "a*b" at position 1)', 1),
    ("too-many-terms", " ".join(["w"] * 33), "too many terms (33 > 32)", None),
    ("nesting", "(" * 9 + "a" + ")" * 9, "nesting too deep (9 > 8)", 9),
    ("unknown-field", "foo:bar", 'unknown field "foo:" at position 1', 1),
    ("empty-field", "title: Binzhou", '"title:" at position 1 needs a term right after it', 1),
    ("empty-source", "Binzhou source:", '"source:" at position 9 needs a feed name right after it', 9),
    ("source-group", "Binzhou source:(a b)", '"source:" at position 9 needs a feed name right after it', 9),
    ("dangling-minus", "Binzhou - sports", '"-" at position 9 needs a term right after it', 9),
    ("dangling-not", "Binzhou NOT", '"NOT" at position 9 needs a term after it', 9),
    ("empty-parens", "Binzhou ()", "empty parentheses at position 9", 9),
    (
        "punctuation-only",
        "Binzhou &",
        "nothing to search for in & at position 9 (it has no letters or digits)",
        9,
    ),
    ("empty-phrase", 'Binzhou ""', 'nothing to search for in "" at position 9', 9),
    ("empty", "   ", "the query is empty", None),
]


@pytest.mark.parametrize(
    ("query", "message", "position"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_invalid_queries_are_refused_in_plain_words(query: str, message: str, position: int | None) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert str(caught.value).startswith(message)
    assert caught.value.position == position


@pytest.mark.parametrize(
    ("query", "limit_ok"),
    [
        pytest.param("x" * 512, True, id="512-chars"),
        pytest.param(" ".join(["w"] * 32), True, id="32-terms"),
        pytest.param("(" * 8 + "a" + ")" * 8, True, id="depth-8"),
        pytest.param("  Binzhou  ", True, id="surrounding-space-not-counted"),
    ],
)
def test_limits_are_inclusive(query: str, limit_ok: bool) -> None:
    assert parse_query(query).text == query.strip()


DESCRIPTIONS = [
    ("and-not", "Binzhou Shandong -aluminum", 'all of: "binzhou", "shandong"; none of: "aluminum"'),
    ("phrase-title", 'title:"Weiqiao Pioneering"', '"weiqiao pioneering" (phrase) in title'),
    ("or", "aluminium OR aluminum", 'any of: "aluminium", "aluminum"'),
    ("group", "(Binzhou OR Dongying) Shandong", 'all of: (any of: "binzhou", "dongying"), "shandong"'),
    ("prefix", "alumin* -sports", '"alumin*" (prefix); none of: "sports"'),
    ("source", "Binzhou source:Xinhua", '"binzhou"; from feeds named like "xinhua"'),
    ("cjk", "滨州 OR 东营", 'any of: "滨州", "东营"'),
    ("precedence", "a b OR c", 'all of: "a", (any of: "b", "c")'),
]


@pytest.mark.parametrize(
    ("query", "expected"), [d[1:] for d in DESCRIPTIONS], ids=[d[0] for d in DESCRIPTIONS]
)
def test_describe_says_how_the_query_was_understood(query: str, expected: str) -> None:
    assert parse_query(query).describe() == expected


def test_positive_terms_are_normalized_and_exclude_negations() -> None:
    query = parse_query('Straße "Weiqiao  Pioneering" -sports (alumin* OR 滨州) Straße')
    assert query.positive_terms() == ("strasse", "weiqiao pioneering", "alumin*", "滨州")


def test_query_keeps_original_text_and_is_immutable_and_hashable() -> None:
    query = parse_query("  Binzhou OR Dongying ")
    assert query.text == "Binzhou OR Dongying"
    assert query == parse_query("Binzhou OR Dongying")
    assert len({query, parse_query("Binzhou OR Dongying")}) == 1
    with pytest.raises(AttributeError):
        query.text = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Zürich", "zurich", id="umlaut"),
        pytest.param("STRASSE Straße", "strasse strasse", id="sharp-s"),
        pytest.param("Ｂｉｎｚｈｏｕ", "binzhou", id="fullwidth"),
        pytest.param("ﬁnance", "finance", id="ligature"),
        pytest.param("Łódź", "lodz", id="stroke"),
        pytest.param("滨州市", "滨州市", id="cjk-unchanged"),
        pytest.param("café", "cafe", id="combining"),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected
