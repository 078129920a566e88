"""Property tests: the index and the matcher agree with a plain reference evaluator; search tokens are a
superset filter; parsing never fails with anything but ``QueryError``."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feeds.query import Document, Query, QueryError, SubscriptionIndex, normalize_text, parse_query
from feeds.query.nodes import And, Field, Node, Not, Source, Term
from feeds.search import AllOf, Phrase, SearchExpr, Tok, candidate_expr, index_tokens

# --- a reference evaluator: character scanning over normalized text, nothing shared with the matcher ---


def char_class(char: str) -> str:
    """'c' for CJK, 'w' for other letters/digits, 's' for separators."""
    if not char.isalnum():
        return "s"
    name = unicodedata.name(char, "")
    return "c" if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) else "w"


def occurs_at(tokens: tuple[str, ...], prefix: bool, text: str, start: int) -> bool:
    pos = start
    for k, token in enumerate(tokens):
        if k:
            while pos < len(text) and char_class(text[pos]) == "s":
                pos += 1
        if not text.startswith(token, pos):
            return False
        end = pos + len(token)
        if char_class(token[0]) == "w":
            if pos > 0 and char_class(text[pos - 1]) == "w":
                return False
            if prefix and k == len(tokens) - 1:
                while end < len(text) and char_class(text[end]) == "w":
                    end += 1
            elif end < len(text) and char_class(text[end]) == "w":
                return False
        pos = end
    return True


def reference(node: Node, title: str, body: str, source: str) -> bool:
    if isinstance(node, Term):
        texts = (
            [normalize_text(title)]
            if node.field == Field.TITLE
            else [normalize_text(title), normalize_text(body)]
        )
        return any(occurs_at(node.tokens, node.prefix, text, i) for text in texts for i in range(len(text)))
    if isinstance(node, Source):
        words = "".join(c if char_class(c) == "w" else f" {c} " for c in normalize_text(source)).split()
        return node.name in " ".join(w for w in words if char_class(w[0]) != "s")
    if isinstance(node, Not):
        return not reference(node.part, title, body, source)
    results = (reference(part, title, body, source) for part in node.parts)
    return all(results) if isinstance(node, And) else any(results)


# --- generated texts and queries, over a vocabulary full of near-misses ---

WORDS = [
    "coal",
    "coalition",
    "china",
    "China's",
    "5G",
    "5GW",
    "Binzhou",
    "Straße",
    "strasse",
    "Zürich",
    "zurich",
    "aluminium",
    "aluminum",
    "alumina",
    "Weiqiao",
    "Pioneering",
    "Ｂｉｎｚｈｏｕ",
    "sports",
    "or",
]
CJK = ["滨州", "山东", "市", "滨", "州市", "东营", "铝", "カタ", "서울"]
SEPARATORS = ["", " ", " ", "-", "\n", ", ", "'", "."]

piece = st.sampled_from(WORDS + CJK)
text = st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), max_size=12).map(
    lambda parts: "".join(p + s for p, s in parts)
)
source_text = st.sampled_from(["", "Xinhua-AsiaNet", "PR Newswire", "滨州日报"])

term = st.one_of(
    st.sampled_from(WORDS + CJK),
    st.sampled_from(["alu*", "alumin*", "coal*", "chin*", "zur*", "strass*"]),
    st.lists(st.sampled_from(WORDS + CJK), min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(WORDS).map(lambda w: f"title:{w}"),
    st.sampled_from(["source:xinhua", "source:newswire", 'source:"pr newswire"']),
)
query_text = st.recursive(
    term,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(" ".join),
        st.tuples(inner, inner).map(" OR ".join),
        inner.map(lambda q: f"-{q}" if not q.startswith("-") else q),
        inner.map(lambda q: f"NOT {q}"),
        inner.map(lambda q: f"({q})"),
    ),
    max_leaves=6,
)


def parsed(texts: list[str]) -> list[Query]:
    queries = []
    for candidate in texts:
        try:
            queries.append(parse_query(candidate))
        except QueryError:
            continue
    return queries


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(query_text, min_size=1, max_size=25), st.lists(st.tuples(text, text, source_text), max_size=6)
)
def test_index_agrees_with_the_reference_evaluator(
    texts: list[str], docs: list[tuple[str, str, str]]
) -> None:
    queries = parsed(texts)
    assume(queries)
    index = SubscriptionIndex()
    for key, query in enumerate(queries):
        index.add(key, query)
    for title, body, source in docs:
        doc = Document.from_parts(title, body, source)
        expected = [k for k, q in enumerate(queries) if reference(q.node, title, body, source)]
        assert [k for k, q in enumerate(queries) if q.matches(doc)] == expected
        assert index.match(doc) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(query_text, min_size=2, max_size=12), st.tuples(text, text))
def test_index_after_removals_matches_a_fresh_index(texts: list[str], doc_parts: tuple[str, str]) -> None:
    queries = parsed(texts)
    index = SubscriptionIndex()
    for key, query in enumerate(queries):
        index.add(key, query)
    for key in range(0, len(queries), 2):
        index.remove(key)
    fresh = SubscriptionIndex()
    for key in range(1, len(queries), 2):
        fresh.add(key, queries[key])
    doc = Document.from_parts(*doc_parts)
    assert index.match(doc) == fresh.match(doc)
    assert len(index) == len(fresh)


# --- search tokens: the candidate expression never loses a match ---


def search_holds(expr: SearchExpr, tokens: list[str]) -> bool:
    if isinstance(expr, Tok):
        return any(t.startswith(expr.text) if expr.prefix else t == expr.text for t in tokens)
    if isinstance(expr, Phrase):
        n = len(expr.tokens)
        return any(tuple(tokens[i : i + n]) == expr.tokens for i in range(len(tokens) - n + 1))
    results = (search_holds(part, tokens) for part in expr.parts)
    return all(results) if isinstance(expr, AllOf) else any(results)


@settings(max_examples=400, deadline=None)
@given(query_text, text, text, source_text)
def test_candidate_expression_is_a_superset_of_the_query(q: str, title: str, body: str, source: str) -> None:
    try:
        query = parse_query(q)
    except QueryError:
        assume(False)
        return
    expr = candidate_expr(query)
    assert expr is not None  # a valid query always has a term that must appear
    if query.matches(Document.from_parts(title, body, source)):
        assert search_holds(expr, index_tokens(title, body).split(" "))


FORBIDDEN = set(" \t\n\r\"'*():&|!<>")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_index_tokens_are_clean_and_deterministic(title: str, body: str) -> None:
    tokens = index_tokens(title, body)
    assert tokens == index_tokens(title, body)
    assert all(token and not (set(token) & FORBIDDEN) for token in tokens.split(" ") if tokens)
    assert "  " not in tokens and tokens == tokens.strip()


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=600), query_text.map(lambda q: q + '"'), st.text('()"-*: ORNTtilesourc', max_size=60)
    )
)
def test_parse_query_fails_only_with_query_error(raw: str) -> None:
    try:
        query = parse_query(raw)
    except QueryError as error:
        assert str(error) and "\n" not in str(error)
        assert error.position is None or 1 <= error.position <= len(raw.strip())
        return
    assert query.describe() and query.anchors
    query.matches(Document.from_parts(raw, raw))
