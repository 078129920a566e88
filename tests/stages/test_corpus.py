"""The shared corpus (``../shared/corpus`` beside the checkout): real feeds and feedparser's fixtures.

Skipped cleanly when the corpus is absent. Corpus text is read at test time, never copied into the project.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.pipeline.ingest import Ingestor
from feeds.fetch import Fetcher
from feeds.models import FeedSpec
from feeds.parse import FeedParseError
from feeds.pipeline import parse_and_normalize
from storage.store import Store
from tests.feed_server import FeedServer

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
WIRES = CORPUS / "wires"
FEEDPARSER = CORPUS / "feedparser-tests"
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present beside the checkout")

# Items per wires file after in-feed dedup (MANIFEST.md; braingle repeats one guid inside one item).
WIRE_ITEMS = {
    "de_heise-developer.atom": 15,
    "en_guardian-us.rss": 55,
    "en_huffpost-world_2019.xml": 31,
    "en_nbc-newyork.xml": 1,
    "en_reuters-worldnews_2018.xml": 10,
    "en_talkingpointsmemo-all.atom": 20,
    "en_washingtonpost-wellness.xml": 29,
    "it_ilgiornale-cronache.xml": 1,
    "it_ilmessaggero-mondo_mojibake.xml": 1,
    "misc_braingle_duplicate-guids.xml": 1,
    "misc_nshipster_gzip-invalid-chars.xml.gz": 25,
    "pt-br_inovacaotecnologica_iso-8859-1.xml": 1,
    "pt-br_uol-noticias_latin1-no-xml-decl.rss": 15,
    "pt-pt_jn-ultimas_iso-8859-1.rss": 40,
    "ru_oren-ru_windows-1251.xml": 10,
    "ru_oren-ru_windows-1251.xml.gz": 10,
    "zh_qq-news-china_gb2312.xml": 20,
}
HEADER_LINE = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)


def wire_body(name: str) -> bytes:
    raw = (WIRES / name).read_bytes()
    return gzip.decompress(raw) if name.endswith(".gz") else raw


def feedparser_files() -> list[Path]:
    if not FEEDPARSER.is_dir():
        return []
    return sorted(p for p in FEEDPARSER.rglob("*") if p.suffix in (".xml", ".gz", ".z"))


def fixture_headers(body: bytes) -> dict[str, str]:
    """The ``Header:`` lines of a feedparser fixture's leading comment (ASCII-compatible files only)."""
    head = body[:4000].decode("latin-1")
    return {m.group(1).strip(): m.group(2).strip() for m in HEADER_LINE.finditer(head)}


@pytest.mark.parametrize(("name", "count"), sorted(WIRE_ITEMS.items()))
def test_wire_feeds_yield_items_with_titles(name: str, count: int) -> None:
    items = parse_and_normalize(wire_body(name), {}, f"https://feeds.example.com/{name}", NOW)
    assert len(items) == count
    assert all(item.title.strip() for item in items)
    assert len({item.identity for item in items}) == count
    assert all(item.published_at.tzinfo is not None and item.published_at <= NOW for item in items)


def test_every_wires_file_is_listed() -> None:
    on_disk = {p.name for p in WIRES.iterdir() if p.suffix in (".xml", ".rss", ".atom", ".gz")}
    assert on_disk == set(WIRE_ITEMS)


@pytest.mark.parametrize("path", feedparser_files(), ids=lambda p: str(p.relative_to(FEEDPARSER)))
def test_feedparser_fixture_parses_or_is_rejected_cleanly(path: Path) -> None:
    body = path.read_bytes()
    try:
        items = parse_and_normalize(body, fixture_headers(body), "https://fixtures.example.com/feed", NOW)
    except FeedParseError as exc:
        assert str(exc)
    else:
        assert all(item.identity for item in items)


def test_feedparser_fixtures_mostly_parse() -> None:
    outcome: Counter[str] = Counter()
    for path in feedparser_files():
        body = path.read_bytes()
        try:
            parse_and_normalize(body, fixture_headers(body), "https://fixtures.example.com/feed", NOW)
            outcome["parsed"] += 1
        except FeedParseError:
            outcome["rejected"] += 1
    print(f"feedparser-tests: {dict(outcome)}")
    assert outcome["parsed"] >= 240, outcome  # 253 of 262 on feedparser 6.0.14; the rest are not feeds


@pytest.mark.parametrize(
    ("name", "encoding", "status"),
    [
        pytest.param("gzip.gz", "gzip", "ok", id="gzip"),
        pytest.param("deflate.z", "deflate", "ok", id="deflate"),
        pytest.param("deflate-no-headers.z", "deflate", "ok", id="raw-deflate"),
        pytest.param("gzip-not-compressed.gz", "gzip", "error", id="gzip-header-plain-body"),
        pytest.param("gzip-struct-error.gz", "gzip", "error", id="gzip-struct-error"),
        pytest.param("deflate-not-compressed.z", "deflate", "error", id="deflate-header-plain-body"),
    ],
)
async def test_compression_fixtures_through_the_fetcher(
    feed_server: FeedServer, name: str, encoding: str, status: str
) -> None:
    body = (FEEDPARSER / "compression" / name).read_bytes()
    url = feed_server.add(f"/{name}", body, headers={"Content-Encoding": encoding})
    async with Fetcher() as fetcher:
        result = await fetcher.fetch(url)
    assert result.status == status, result.error
    if status == "ok":  # each is an empty, well-formed Atom feed
        assert result.body.startswith(b"<feed")
        assert parse_and_normalize(result.body, result.headers, url, NOW) == []


async def test_wire_feeds_end_to_end(feed_server: FeedServer, tmp_path: Path) -> None:
    specs = []
    for i, name in enumerate(sorted(WIRE_ITEMS)):
        raw = (WIRES / name).read_bytes()
        extra = {"headers": {"Content-Encoding": "gzip"}} if name.endswith(".gz") else {}
        url = feed_server.add(f"/wires/{name}", raw, content_type="application/xml", etag=f'"c{i}"', **extra)
        specs.append(FeedSpec(name, url, 900))
    store = Store.open(f"sqlite:///{tmp_path / 'corpus.sqlite3'}")
    try:
        store.sync_feeds(specs, NOW)
        async with Fetcher() as fetcher:
            ingestor = Ingestor(store, fetcher, parse_executor=None)
            first = {r.feed_name: r for r in await ingestor.poll_all()}
            second = await ingestor.poll_all()
        assert {n: (r.status, len(r.new_items)) for n, r in first.items()} == {
            n: ("ok", c) for n, c in WIRE_ITEMS.items()
        }
        assert {r.status for r in second} == {"not_modified"}
        assert store.count_items() == sum(WIRE_ITEMS.values())
    finally:
        store.close()
