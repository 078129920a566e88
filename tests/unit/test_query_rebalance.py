"""Frequency-aware anchors: the index learns which words are common from the documents it matches and
re-anchors AND queries on their rarest option; results never change, only the candidates."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.query import Document, SubscriptionIndex, parse_query
from feeds.query.frequency import DocumentFrequency
from tests.unit.test_query_properties import query_text, reference, source_text, text

COMMON = "the market grew in the city"


def common_index(learn: int, auto: bool = True) -> SubscriptionIndex:
    """Queries pairing a rare name with a common word; the static heuristic anchors the first one on the
    common (longer) word, the rest on the name (fewer queries under it)."""
    index = SubscriptionIndex(learn_documents=learn, auto_rebalance=auto)
    for key in range(50):
        index.add(key, parse_query(f"market zq{key}"))
    return index


def test_rebalance_moves_and_queries_to_their_rarest_word_without_changing_results() -> None:
    index = common_index(learn=3, auto=False)
    probe = Document.from_parts("market news", "zq7 reported")
    before_candidates, before = index.candidates(probe), index.match(probe)
    for _ in range(3):
        index.match(Document.from_parts(COMMON, ""))
    moved = index.rebalance()
    assert moved > 0
    assert index.match(probe) == before == [7]
    assert index.candidates(probe) == {7} < before_candidates
    assert index.rebalance() == 0  # deterministic: nothing left to move


@pytest.mark.parametrize(
    ("learn", "auto", "matched", "rebalanced"),
    [
        (2, True, 2, True),
        (2, True, 1, False),
        (2, False, 5, False),
        (0, True, 5, False),
    ],
    ids=["after-sample", "before-sample", "auto-off", "learning-off"],
)
def test_rebalance_runs_by_itself_once_the_sample_is_complete(
    learn: int, auto: bool, matched: int, rebalanced: bool
) -> None:
    index = common_index(learn, auto)
    probe = Document.from_parts("market news", "zq7 reported")
    for _ in range(matched):
        index.match(Document.from_parts(COMMON, ""))
    assert (index.candidates(probe) == {7}) is rebalanced


def test_queries_added_after_the_sample_use_the_learned_frequency() -> None:
    index = SubscriptionIndex(learn_documents=1)
    index.match(Document.from_parts(COMMON, ""))
    index.add(1, parse_query("market zq1"))
    assert index.candidates(Document.from_parts("market", "")) == set()
    assert index.candidates(Document.from_parts("zq1", "")) == {1}


@pytest.mark.parametrize(
    ("key", "expected"),
    [("market", 2), ("zq1", 0), ("滨州", 1), ("滨", 2), ("\x00mar", 2)],
    ids=["word", "unseen", "cjk-pair", "cjk-char-assumed-everywhere", "prefix-assumed-everywhere"],
)
def test_document_frequency_counts_each_document_once(key: str, expected: int) -> None:
    frequency = DocumentFrequency(limit=2)
    for title, body in [("market market", "滨州"), ("Market", "news"), ("market", "滨州")]:
        frequency.observe(Document.from_parts(title, body))
    assert frequency.seen == 2 and not frequency.learning
    assert frequency.of(key) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(query_text, min_size=1, max_size=25),
    st.lists(st.tuples(text, text, source_text), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=4),
)
def test_rebalanced_index_agrees_with_the_reference_evaluator(
    texts: list[str], docs: list[tuple[str, str, str]], learn: int
) -> None:
    index = SubscriptionIndex(learn_documents=learn)
    refused = index.load_texts(enumerate(texts))
    valid = {key: parse_query(texts[key]) for key in range(len(texts)) if key not in refused}
    for title, body, source in docs * 2:  # the second round runs after the rebalance
        expected = [key for key, query in valid.items() if reference(query.node, title, body, source)]
        assert index.match(Document.from_parts(title, body, source)) == expected
    index.rebalance()
    for key in list(valid)[::2]:
        index.remove(key)
    for title, body, source in docs:
        expected = [key for key in list(valid)[1::2] if reference(valid[key].node, title, body, source)]
        assert index.match(Document.from_parts(title, body, source)) == expected


OPTIONS = [
    ("word", "Binzhou", [{"binzhou"}]),
    ("cjk-pair-is-its-own-key", "滨州", [{"滨州"}]),
    ("phrase-each-word", '"Weiqiao Pioneering"', [{"pioneering"}, {"weiqiao"}]),
    ("phrase-skips-one-letter-words", '"a Pioneering"', [{"pioneering"}]),
    ("cjk-phrase-pairs", "滨州市", [{"滨州"}, {"州市"}]),
    ("prefix-term-prefix-key-last", "Weiqiao alu*", [{"weiqiao"}, {"\x00alu"}]),
    ("and-of-phrase-and-word", '"ab cde" fg', [{"cde"}, {"ab"}, {"fg"}]),
]


@pytest.mark.parametrize(("query", "expected"), [o[1:] for o in OPTIONS], ids=[o[0] for o in OPTIONS])
def test_anchor_options_offer_every_word_of_a_phrase(query: str, expected: list[set[str]]) -> None:
    assert list(parse_query(query).anchor_options) == [frozenset(keys) for keys in expected]


def test_rebalance_moves_phrases_to_their_rarest_word() -> None:
    index = SubscriptionIndex(learn_documents=1)
    index.add(1, parse_query('"zq market"'))
    probe = Document.from_parts("market", "")
    assert index.candidates(probe) == {1}  # static choice: the longer word
    index.match(Document.from_parts(COMMON, ""))
    assert index.candidates(probe) == set()
    assert index.match(Document.from_parts("zq market", "")) == [1]
