"""Search tokens and tsvector literals, token for token as the loops they replaced (tests/search_reference).

``index_tokens`` and ``pg_tsvector`` run for every stored item and are written for speed. Inputs: the ingest
benchmark's generated releases, the sample feeds, the shared corpus's wires (when present), Chinese, Japanese
and Korean text, limits, and random text over a mixed alphabet.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.ingest import feed_document
from feeds.parse import FeedParseError
from feeds.pipeline import parse_and_normalize
from feeds.search import index_token_list, index_tokens
from storage.search_sql import PG_MAX_POSITION, pg_tsvector
from tests.fixtures_feeds import feed_bytes
from tests.search_reference import previous_index_tokens, previous_pg_tsvector

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "wires"
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
URL = "https://wire.example.com/rss"


def _check(title: str, body: str) -> None:
    words = index_token_list(title, body)
    tokens = index_tokens(title, body)
    assert tokens == " ".join(words) == previous_index_tokens(title, body), (title[:80], body[:80])
    literal = previous_pg_tsvector(tokens)
    assert pg_tsvector(tokens) == pg_tsvector(tokens, words) == literal, (title[:80], body[:80])


@pytest.mark.parametrize("feed", [0, 1, 7])
def test_generated_releases(feed: int) -> None:
    items = parse_and_normalize(feed_document(feed, 20), {}, URL, NOW, pg_tsvector)
    assert len(items) == 20
    for item in items:
        assert item.search_tokens == previous_index_tokens(item.title, item.body)
        assert item.search_lexemes == previous_pg_tsvector(item.search_tokens)
        _check(item.title, item.body)


@pytest.mark.parametrize(
    "name", ["rss2_wires.xml", "atom_binzhou.xml", "rss2_zh_gb2312.xml", "rss2_zh_utf8.xml", "rdf_rss1.xml"]
)
def test_sample_feeds(name: str) -> None:
    items = parse_and_normalize(feed_bytes(name), {}, URL, NOW)
    assert items
    for item in items:
        _check(item.title, item.body)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_shared_corpus() -> None:
    count = 0
    for path in sorted(CORPUS.iterdir()):
        if path.suffix not in (".xml", ".rss", ".atom", ".gz"):
            continue
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        try:
            items = parse_and_normalize(data, {}, URL, NOW)
        except FeedParseError:
            continue
        for item in items:
            _check(item.title, item.body)
            count += 1
    assert count > 100


TEXTS = [
    pytest.param("", "", id="empty"),
    pytest.param("滨州", "", id="title-only-cjk"),
    pytest.param("", "州", id="lone-character"),
    pytest.param("濱州市 魏橋", "滨州 市 Binzhou市 魏桥创业集团", id="traditional-and-simplified-runs"),
    pytest.param("A 中 b 国 c", "中,国。中 国", id="characters-between-words"),
    pytest.param("ｗｅｉｑｉａｏ", "東京タワー と ソウル 서울특별시", id="full-width-kana-hangul"),
    pytest.param("\U00020000\U00020001 x", "𠀀 𠀁𠀂", id="astral-han"),
    pytest.param("o'neil a\\b", "l'été d'Über", id="quotes-and-backslash"),
    pytest.param("Zürich Øresund ŁÓDŹ", "İstanbul ﬁnance ß", id="diacritics-and-folds"),
    pytest.param("a" * 600, "é" * 1100 + " b", id="long-words"),
]


@pytest.mark.parametrize(("title", "body"), TEXTS)
def test_texts(title: str, body: str) -> None:
    _check(title, body)


def test_many_positions_and_lexemes() -> None:
    body = " ".join(["w"] * 300 + [f"t{i}" for i in range(PG_MAX_POSITION)] + ["x" * 3000])
    _check("", body)
    _check("", "中国 " * 400)
    for count in (255, 256, 257):
        _check("w " * count, "")


ALPHABET = "aZé1_ '\\-.,\n\u3000滨濱州市中国東京タワー서울ｗ\U00020000\u200b\ufa6e\ud7fcＡ"


@settings(max_examples=400, deadline=None)
@given(st.text(ALPHABET, max_size=60), st.text(ALPHABET, max_size=200))
def test_random_text(title: str, body: str) -> None:
    _check(title, body)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("ab'\\é中" + "x" * 3, min_size=1, max_size=1100), max_size=40))
def test_tsvector_of_any_tokens(words: list[str]) -> None:
    tokens = " ".join(words)
    assert pg_tsvector(tokens) == pg_tsvector(tokens, tokens.split()) == previous_pg_tsvector(tokens)
