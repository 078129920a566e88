"""normalize_entry: a parsed feed entry becomes a clean, identified, dated item."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from feeds.clustering import body_fingerprint, title_fingerprint
from feeds.models import Dateline, ParsedEntry
from feeds.normalize import normalize_entry
from feeds.parse import FeedParseError, parse_feed
from feeds.summary import summarize

FEED_URL = "https://wire.example.com/rss/tech.xml"
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

HTML = (
    "<p>SHANGHAI, March 3, 2026 /PRNewswire-AsiaNet/ -- Northwind Robotics Inc. today opened a plant "
    "in Monterrey.</p><p>The plant&nbsp;will employ 1,200 people.</p><script>track()</script>"
)


def entry(**changes: object) -> ParsedEntry:
    values: dict[str, object] = {
        "guid": "nw-2026-0303",
        "link": "/news/northwind-plant?utm_source=rss#top",
        "title": "Northwind &amp;amp; Partners Open Plant",
        "content_html": HTML,
        "published": datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
        "orig_link": None,
    }
    values.update(changes)
    return ParsedEntry(**values)  # type: ignore[arg-type]


def test_full_entry() -> None:
    item = normalize_entry(entry(), FEED_URL, NOW)
    body = "Northwind Robotics Inc. today opened a plant in Monterrey.\nThe plant will employ 1,200 people."
    assert item.identity == "guid:nw-2026-0303"
    assert item.link == "https://wire.example.com/news/northwind-plant"
    assert item.title == "Northwind & Partners Open Plant"
    assert item.body == body
    assert item.summary == summarize(body) == body.replace("\n", " ")
    assert item.dateline == Dateline("Shanghai", "March 3, 2026", "PRNewswire-AsiaNet")
    assert item.published_at == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    assert item.first_seen_at == NOW
    assert item.title_fingerprint == title_fingerprint("Northwind & Partners Open Plant")
    assert item.body_fingerprint == body_fingerprint(body) != ""


PUBLISHED = [
    ("kept", datetime(2026, 3, 3, 9, 30, tzinfo=UTC), datetime(2026, 3, 3, 9, 30, tzinfo=UTC)),
    (
        "converted to utc",
        datetime(2026, 3, 3, 17, 30, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
    ),
    ("naive taken as utc", datetime(2026, 3, 3, 9, 30), datetime(2026, 3, 3, 9, 30, tzinfo=UTC)),
    ("missing", None, NOW),
    ("slightly ahead kept", NOW + timedelta(minutes=5), NOW + timedelta(minutes=5)),
    ("future replaced", NOW + timedelta(hours=2), NOW),
    ("far future replaced", datetime(2099, 1, 1, tzinfo=UTC), NOW),
    ("old kept", datetime(2001, 1, 1, tzinfo=UTC), datetime(2001, 1, 1, tzinfo=UTC)),
]


@pytest.mark.parametrize(("published", "expected"), [c[1:] for c in PUBLISHED], ids=[c[0] for c in PUBLISHED])
def test_published_time(published: datetime | None, expected: datetime) -> None:
    item = normalize_entry(entry(published=published), FEED_URL, NOW)
    assert item.published_at == expected
    assert item.published_at.tzinfo is not None
    assert item.published_at.utcoffset() == timedelta(0)
    assert item.dated is (published is not None and expected != NOW), "dated: the feed's own date kept"


def test_now_in_another_zone_is_stored_as_utc() -> None:
    item = normalize_entry(entry(), FEED_URL, NOW.astimezone(timezone(timedelta(hours=-5))))
    assert item.first_seen_at == NOW
    assert item.first_seen_at.utcoffset() == timedelta(0)


IDENTITY = [
    ("guid", {}, "guid:nw-2026-0303"),
    ("canonical link without guid", {"guid": None}, "link:https://wire.example.com/news/northwind-plant"),
    ("blank guid", {"guid": "  "}, "link:https://wire.example.com/news/northwind-plant"),
    (
        "orig link preferred",
        {"guid": None, "orig_link": "https://northwind.example/p?fbclid=1"},
        "link:https://northwind.example/p",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in IDENTITY], ids=[c[0] for c in IDENTITY])
def test_identity(changes: dict[str, object], expected: str) -> None:
    assert normalize_entry(entry(**changes), FEED_URL, NOW).identity == expected


def test_identity_without_guid_or_link_ignores_dates() -> None:
    a = normalize_entry(entry(guid=None, link=None), FEED_URL, NOW)
    b = normalize_entry(entry(guid=None, link=None, published=None), FEED_URL, NOW + timedelta(days=1))
    assert a.identity == b.identity
    assert a.identity.startswith("hash:")
    assert a.link is None


def test_untitled_entry_takes_start_of_body() -> None:
    item = normalize_entry(entry(title="  "), FEED_URL, NOW)
    assert item.title.startswith("Northwind Robotics Inc. today opened a plant")
    assert len(item.title) <= 80
    assert "\n" not in item.title


def test_empty_entry() -> None:
    item = normalize_entry(entry(guid=None, link=None, title="", content_html=""), FEED_URL, NOW)
    assert (item.title, item.body, item.summary, item.body_fingerprint) == ("", "", "", "")
    assert item.identity.startswith("hash:")


def _corpus_files() -> list[Path]:
    folder = CORPUS / "wires"
    return sorted(folder.glob("*.xml*")) + sorted(folder.glob("*.rss")) + sorted(folder.glob("*.atom"))


@pytest.mark.skipif(not (CORPUS / "wires").is_dir(), reason="shared corpus not present")
def test_corpus_entries_normalize_cleanly() -> None:
    files = _corpus_files()
    assert files
    count = 0
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        try:
            entries = parse_feed(data, {}, "https://corpus.example/feed")
        except FeedParseError:
            continue
        for parsed in entries:
            item = normalize_entry(parsed, "https://corpus.example/feed", NOW)
            count += 1
            assert "\n" not in item.title, path.name
            assert "<p>" not in item.body and "&amp;" not in item.body, path.name
            assert "  " not in item.body and "\u200b" not in item.body, path.name
            assert len(item.summary) <= 400, path.name
            assert item.published_at.utcoffset() == timedelta(0)
            assert item.published_at <= NOW + timedelta(minutes=10)
            assert item.link is None or item.link.startswith(("http://", "https://"))
            assert item.identity.startswith(("guid:", "link:", "hash:"))
    assert count > 100
