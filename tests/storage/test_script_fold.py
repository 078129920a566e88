"""Traditional and simplified Chinese are one script for matching: the fold, matcher, search, counts."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chat.recent import RecentSearch
from feeds.models import FeedState
from feeds.query import Document, SubscriptionIndex, highlight_spans, parse_query
from feeds.query.normalize import _fold_char, normalize_text, offset_map
from feeds.query.parser import parse
from feeds.query.shortcut import shortcut
from feeds.script_fold import _fold_table, fold_script, shipped_pairs
from feeds.script_fold_source import closed, opencc_ts_characters
from feeds.search import index_tokens
from storage.store import Store
from tests.e2e.test_cli import wirewatch
from tests.fixtures_db import T0, WINDOW, new_item

TRADITIONAL = "濱州市舉行黃河生態論壇"
SIMPLIFIED = "滨州市举行黄河生态论坛"
ALPHABET = "濱州滨州舉举後后乾干發发ＡＢＣé\u0301，。 a1-\uf9e9\U00020000㗲"  # 㗲 folds to an astral one
MIXED = st.text(st.sampled_from(ALPHABET), max_size=40)


def test_shipped_table_is_what_opencc_gives() -> None:
    assert shipped_pairs() == closed(opencc_ts_characters())


def test_table_is_one_character_to_one_and_closed() -> None:
    fold = _fold_table()
    pairs = {chr(code): new for code, new in enumerate(fold.bmp) if chr(code) != new}
    pairs.update((chr(code), new) for code, new in fold.astral.items())
    assert len(pairs) > 2500
    assert all(len(old) == 1 and len(new) == 1 for old, new in pairs.items())
    assert all(fold_script(new) == new for new in pairs.values())  # folding twice is folding once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (TRADITIONAL, SIMPLIFIED),
        (SIMPLIFIED, SIMPLIFIED),
        ("後天發佈", "后天发布"),
        ("Binzhou 濱州 Zürich", "binzhou 滨州 zurich"),
        ("\uf9e9江", "里江"),
    ],
    ids=["traditional", "simplified-unchanged", "many-to-one", "mixed-scripts", "compatibility-ideograph"],
)
def test_normalize_folds_traditional_to_simplified(text: str, expected: str) -> None:
    assert normalize_text(text) == expected
    assert len(offset_map(text)) == len(normalize_text(text))


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_normalize_equals_folding_each_character(text: str) -> None:
    assert normalize_text(text) == "".join(map(_fold_char, text))
    assert len(offset_map(text)) == len(normalize_text(text))


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("滨州", TRADITIONAL),
        ("濱州", SIMPLIFIED),
        ("濱州 OR 东营", SIMPLIFIED),
        ('"黃河生態"', SIMPLIFIED),
        ("title:滨州市 -體育", TRADITIONAL),
        ("(Dongying OR 濱州) 论坛", SIMPLIFIED),
    ],
    ids=["simplified-query", "traditional-query", "or", "phrase", "title-and-exclusion", "general-parser"],
)
def test_matcher_index_matches_across_scripts(query: str, text: str) -> None:
    index = SubscriptionIndex()
    index.add(1, parse_query(query))
    index.add(2, parse_query("体育"))
    assert index.match(Document.from_parts(text, "", "wire")) == [1]
    assert parse_query(query).matches(Document.from_parts(text, "", "wire"))


def test_highlights_fall_on_the_characters_as_written() -> None:
    text = f"Binzhou: {TRADITIONAL}"
    spans = highlight_spans(parse_query("滨州 论坛"), text)
    assert [text[start:end] for start, end in spans] == ["濱州", "論壇"]
    explained = parse_query("滨州").explain(Document.from_parts(text, "", "wire"))
    assert explained is not None
    assert [text[a:b] for a, b in explained.terms[0].spans] == ["濱州"]


def test_search_tokens_are_folded() -> None:
    assert index_tokens(TRADITIONAL, "") == index_tokens(SIMPLIFIED, "")


@pytest.fixture
def feed(store: Store) -> FeedState:
    from feeds.models import FeedSpec

    return store.sync_feeds([FeedSpec("wire", "http://127.0.0.1/wire.xml", 300)], T0)[0]


def test_recent_and_counts_find_both_scripts(store: Store, feed: FeedState) -> None:
    """/recent (database candidates, then the matcher) and the /test and /trend counts, on both backends."""
    stored = [
        new_item("hk", title=TRADITIONAL, body="香港報道。", seen=T0),
        new_item("cn", title=SIMPLIFIED, body="新华社报道。", seen=T0 + timedelta(hours=1)),
        new_item("en", seen=T0 + timedelta(hours=2)),
    ]
    store.add_items(feed.id, stored, WINDOW)
    search = RecentSearch(store)
    for text in ("滨州", "濱州", "黃河 论坛", "濱州 -香港"):
        query = parse_query(text)
        found = search.find(query, T0 - timedelta(days=1), 10)
        expected = {"hk", "cn"} if "香港" not in text else {"cn"}
        assert {item.identity for item in found} == expected, text
        counts = store.daily_counts(query, first_day=T0.date(), days=1, zone=ZoneInfo("UTC"))
        assert counts.stories == (len(expected),), text


@pytest.mark.parametrize(
    ("query", "body"), [("滨州", TRADITIONAL), ("濱州", SIMPLIFIED)], ids=["simplified", "traditional"]
)
@pytest.mark.slow  # the CLI in a subprocess
def test_cli_match_across_scripts(query: str, body: str) -> None:
    done = wirewatch("match", query, "--explain", stdin=body)
    assert done.returncode == 0, done.stderr
    assert "0-2" in done.stdout


@pytest.mark.parametrize("text", ["濱州", "濱州 -體育", "(濱州 OR 东营) 論壇", '"黃河生態"'])
def test_shortcut_folds_like_the_general_parser(text: str) -> None:
    assert shortcut(text) == parse(text)
