"""The subscription index: add, replace, remove, and matching that touches only candidate queries."""

from __future__ import annotations

import pytest

from feeds.query import Document, SubscriptionIndex, parse_query

QUERIES = {
    1: "Binzhou",
    2: '"Weiqiao Pioneering"',
    3: "aluminium OR aluminum",
    4: "Binzhou -sports",
    5: "alumin*",
    6: "滨州",
    7: "title:Shandong",
    8: "Binzhou source:xinhua",
    9: "(Dongying OR 东营) 铝",
}


@pytest.fixture
def index() -> SubscriptionIndex:
    built = SubscriptionIndex()
    for key, text in QUERIES.items():
        built.add(key, parse_query(text))
    return built


CASES = [
    ("plain", "Binzhou news", "", "", [1, 4]),
    ("excluded", "Binzhou sports", "", "", [1]),
    ("phrase-and-prefix", "", "Weiqiao Pioneering makes aluminium", "", [2, 3, 5]),
    ("prefix-only", "", "Aluminiumwerk", "", [5]),
    ("cjk", "", "山东省滨州市", "", [6]),
    ("title-field", "Shandong", "", "", [7]),
    ("title-field-miss", "", "Shandong", "", []),
    ("source", "Binzhou", "", "Xinhua-AsiaNet", [1, 4, 8]),
    ("cjk-and-or", "", "东营铝业", "", [9]),
    ("nothing", "Weather", "Sunny", "", []),
]


@pytest.mark.parametrize(
    ("title", "body", "source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_match_returns_sorted_keys_of_matching_queries(
    index: SubscriptionIndex, title: str, body: str, source: str, expected: list[int]
) -> None:
    assert index.match(Document.from_parts(title, body, source)) == expected


def test_add_replaces_and_remove_forgets(index: SubscriptionIndex) -> None:
    doc = Document.from_parts("Binzhou", "")
    assert len(index) == len(QUERIES) and 1 in index
    index.add(1, parse_query("Dongying"))
    assert len(index) == len(QUERIES)
    assert index.match(doc) == [4]
    index.remove(4)
    index.remove(4)  # absent: no error
    index.remove(12345)
    assert 4 not in index and len(index) == len(QUERIES) - 1
    assert index.match(doc) == []
    assert index.match(Document.from_parts("Dongying", "")) == [1]


def test_removing_the_last_prefix_query_keeps_matching_correct(index: SubscriptionIndex) -> None:
    index.remove(5)
    assert index.match(Document.from_parts("", "Aluminiumwerk")) == []
    index.add(5, parse_query("alumin*"))
    assert index.match(Document.from_parts("", "Aluminiumwerk")) == [5]


def test_only_queries_sharing_a_document_key_are_candidates() -> None:
    index = SubscriptionIndex()
    for key in range(5_000):
        index.add(key, parse_query(f"word{key} common"))
    doc = Document.from_parts("word7 and word42", "common words everywhere common")
    # the first query anchors on "common" (longest word); then "common" is busy and the rest use "wordN"
    assert index.candidates(doc) == {0, 7, 42}
    assert index.match(doc) == [7, 42]


def test_and_query_registers_one_anchor_and_or_registers_every_branch() -> None:
    assert len(parse_query("Binzhou Shandong aluminium -sports").anchors) == 1
    assert parse_query("aluminium OR aluminum OR 滨州市").anchors == {"aluminium", "aluminum", "滨州"}
