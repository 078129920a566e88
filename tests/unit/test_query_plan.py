"""How the index checks each query shape (plans), bulk loading, and document keys by kind."""

from __future__ import annotations

import gc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.query import Document, QueryError, SubscriptionIndex, parse_query
from feeds.query.plan import make_plan
from tests.unit.test_query_properties import query_text, reference, source_text, text

PLANS = [
    # (id, query, exact, required, forbidden, alternatives, has residual)
    ("word", "Binzhou", True, set(), set(), None, False),
    ("cjk-pair", "滨州", True, set(), set(), None, False),
    ("cjk-char", "铝", True, set(), set(), None, False),
    ("or-of-words", "aluminium OR aluminum OR 滨州", True, set(), set(), None, False),
    ("three-letter-prefix", "alu*", True, set(), set(), None, False),
    ("and", "Binzhou Shandong", False, {"binzhou", "shandong"}, set(), None, False),
    ("exclusions", "Binzhou -sports -music", False, {"binzhou"}, {"sports", "music"}, None, False),
    ("phrase", '"Weiqiao Pioneering"', False, {"weiqiao", "pioneering"}, set(), None, True),
    ("cjk-three", "滨州市", False, {"滨", "州", "市", "滨州", "州市"}, set(), None, True),
    ("longer-prefix", "alumin*", False, set(), set(), None, True),
    ("title-word", "title:Binzhou", False, {"binzhou"}, set(), None, True),
    ("group-of-words", "(a OR b) c", False, {"c"}, set(), {"a", "b"}, False),
    ("group-with-phrase", '(a OR "b c") d', False, {"d"}, set(), {"a", "c"}, True),
    ("group-with-prefix", "(a OR bcd*) e", False, {"e"}, set(), None, True),
    ("source", "Binzhou source:xinhua", False, {"binzhou"}, set(), None, True),
    ("title-exclusion", "Binzhou -title:sports", False, {"binzhou"}, set(), None, True),
]


@pytest.mark.parametrize(
    ("query", "exact", "required", "forbidden", "alternatives", "residual"),
    [p[1:] for p in PLANS],
    ids=[p[0] for p in PLANS],
)
def test_plan_of_each_shape(
    query: str,
    exact: bool,
    required: set[str],
    forbidden: set[str],
    alternatives: set[str] | None,
    residual: bool,
) -> None:
    plan = make_plan(parse_query(query))
    assert plan.exact is exact
    assert plan.required == required
    assert plan.forbidden == forbidden
    assert plan.alternatives == (None if alternatives is None else frozenset(alternatives))
    assert (plan.residual is not None) is residual


SHAPES = [
    # (id, query, matching (title, body), not matching (title, body))
    ("word", "Binzhou", ("", "in Binzhou"), ("", "Binzhouer")),
    ("exclusion-hit", "Binzhou -sports", ("Binzhou", ""), ("Binzhou", "sports")),
    ("and-needs-both", "Binzhou Shandong", ("Binzhou", "Shandong"), ("Binzhou", "Hebei")),
    ("phrase-needs-order", '"Weiqiao Pioneering"', ("", "Weiqiao, Pioneering"), ("", "Pioneering Weiqiao")),
    ("group-needs-one", "(a OR b) c", ("c", "b"), ("c", "d")),
    ("group-phrase-branch", '(a OR "b c") d', ("d", "b c"), ("d", "c b")),
    ("title-only", "title:Binzhou", ("Binzhou", ""), ("", "Binzhou")),
    ("title-exclusion", "Binzhou -title:sports", ("Binzhou", "sports"), ("sports", "Binzhou")),
    ("prefix-and-word", "alumin* Binzhou", ("Binzhou", "Aluminium"), ("Binzhou", "alum nonaluminium")),
    ("cjk-char-anchor", "铝", ("", "山东铝业"), ("", "山东")),
    ("cjk-three-chars", "滨州市", ("", "山东省滨州市"), ("", "滨州 and 州市")),
]


@pytest.mark.parametrize(("query", "hit", "miss"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_index_checks_each_shape_like_the_query(
    query: str, hit: tuple[str, str], miss: tuple[str, str]
) -> None:
    index = SubscriptionIndex()
    index.add(7, parse_query(query))
    for title, body, expected in [(*hit, [7]), (*miss, [])]:
        doc = Document.from_parts(title, body)
        assert index.match(doc) == expected
        assert parse_query(query).matches(doc) is bool(expected)


def test_load_texts_parses_each_text_once_and_reports_refused_ones() -> None:
    index = SubscriptionIndex()
    refused = index.load_texts([(1, "Binzhou"), (2, "-sports"), (3, "Binzhou"), (4, "滨州 Shandong")])
    assert set(refused) == {2} and isinstance(refused[2], QueryError)
    assert len(index) == 3 and 2 not in index
    assert index.get(1) is index.get(3)  # the same text: one shared query
    assert index.match(Document.from_parts("Binzhou", "滨州, Shandong")) == [1, 3, 4]


def test_bulk_load_then_remove_and_replace() -> None:
    index = SubscriptionIndex()
    index.bulk_load((key, parse_query(text)) for key, text in enumerate(["a b", "b c", "c", "d -a"]))
    doc = Document.from_parts("a b c d", "")
    assert index.match(doc) == [0, 1, 2]
    index.remove(1)
    index.add(2, parse_query("d"))
    assert index.match(doc) == [0, 2]
    assert index.candidates(doc) >= {0, 2}


def test_freeze_moves_the_loaded_queries_out_of_collections() -> None:
    before = gc.get_freeze_count()
    enabled = gc.isenabled()
    try:
        SubscriptionIndex().load_texts([(1, "Binzhou")], freeze=True)
        assert gc.get_freeze_count() > before
        assert gc.isenabled() is enabled
    finally:
        gc.unfreeze()


def test_single_character_anchors_are_looked_up_only_when_present() -> None:
    index = SubscriptionIndex()
    index.add(1, parse_query("滨州"))
    doc = Document.from_parts("", "山东滨州市 Binzhou")
    assert doc.words == {"binzhou"} and "滨州" in doc.pairs and doc.cjk_chars >= {"滨", "州"}
    assert index.match(doc) == [1]
    index.add(2, parse_query("市"))
    assert index.match(doc) == [1, 2]
    index.remove(2)
    assert index.match(doc) == [1]


KEYS = [
    ("ascii", "Coal-fired", "plant 5G", {"coal", "fired", "plant", "5g"}, set()),
    ("accents", "Zürich", "", {"zurich"}, set()),
    ("mixed", "滨州Binzhou市", "", {"binzhou"}, {"滨州"}),
    ("cjk-across-space", "", "滨州 市", set(), {"滨州", "州市"}),
    ("cjk-not-across-fields", "滨", "州", set(), set()),
]


@pytest.mark.parametrize(("title", "body", "words", "pairs"), [k[1:] for k in KEYS], ids=[k[0] for k in KEYS])
def test_document_keys_by_kind(title: str, body: str, words: set[str], pairs: set[str]) -> None:
    doc = Document.from_parts(title, body)
    assert doc.words == words and doc.pairs == pairs
    assert doc.keys == doc.words | doc.pairs | doc.cjk_chars
    assert doc.keys == doc.title.token_set | doc.body.token_set | doc.title.cjk_bigrams | doc.body.cjk_bigrams


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(query_text, min_size=1, max_size=25), st.lists(st.tuples(text, text, source_text), max_size=4)
)
def test_load_texts_agrees_with_the_reference_evaluator(
    texts: list[str], docs: list[tuple[str, str, str]]
) -> None:
    index = SubscriptionIndex()
    refused = index.load_texts(enumerate(texts))
    valid = {key: parse_query(texts[key]) for key in range(len(texts)) if key not in refused}
    assert len(index) == len(valid)
    for title, body, source in docs:
        expected = [key for key, query in valid.items() if reference(query.node, title, body, source)]
        assert index.match(Document.from_parts(title, body, source)) == expected
