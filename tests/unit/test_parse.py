"""feeds.parse: the feedparser adapter on hand-written fixture feeds (tests/data/feeds)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.models import ParsedEntry
from feeds.parse import FeedParseError, parse_feed
from tests.fixtures_feeds import feed_bytes

BASE = "https://wire.example.org/feed.xml"


def parse(name: str, headers: dict[str, str] | None = None) -> list[ParsedEntry]:
    return parse_feed(feed_bytes(name), headers or {}, BASE)


@pytest.mark.parametrize(
    ("name", "count"),
    [
        pytest.param("rss2_wires.xml", 5, id="rss2-all-entries-kept-dedup-is-pipeline-job"),
        pytest.param("atom_binzhou.xml", 2, id="atom"),
        pytest.param("rdf_rss1.xml", 2, id="rss1-rdf"),
        pytest.param("rss2_no_guids_odd_dates.xml", 4, id="no-guids"),
        pytest.param("rss2_zh_utf8.xml", 2, id="chinese-utf8"),
        pytest.param("rss2_zh_gb2312.xml", 2, id="chinese-gb2312-declared"),
        pytest.param("rss2_bozo_with_entries.xml", 2, id="bozo-with-entries-is-used"),
        pytest.param("rss2_empty.xml", 0, id="valid-empty-feed-is-zero-items"),
    ],
)
def test_entry_counts(name: str, count: int) -> None:
    assert len(parse(name)) == count


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(feed_bytes("not_a_feed.html"), "not a feed", id="html-page"),
        pytest.param(feed_bytes("rss2_bozo_no_entries.xml"), "malformed", id="bozo-without-entries"),
        pytest.param(b"", "empty", id="empty-body"),
        pytest.param(b"   \n", "empty", id="whitespace-body"),
        pytest.param(b'{"items": []}', "not a feed", id="json"),
    ],
)
def test_unusable_documents_raise(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(body, {"content-type": "text/html"}, BASE)


def test_rss2_entry_fields() -> None:
    first, gnw, bw, asianet, _dup = parse("rss2_wires.xml")
    assert first.guid == "sample-prn-302001"
    assert first.title == "Binzhou aluminum maker opens lightweight alloy plant in Shandong"
    assert first.link is not None and "utm_source=rss" in first.link  # canonicalizing is normalize's job
    assert first.published == datetime(2026, 1, 27, 13, 30, tzinfo=UTC)
    assert "/PRNewswire/ --" in first.content_html
    assert gnw.orig_link is not None and gnw.orig_link.startswith(
        "https://www.example-globe.com/news-release/"
    )
    assert gnw.link is not None and "/~r/" in gnw.link
    assert "This longer body exists" in gnw.content_html, "content:encoded is longer than the summary"
    assert bw.guid == "https://www.example-businesswire.com/news/home/20260125005001/en/"
    assert "(BUSINESS WIRE)" in bw.content_html
    assert asianet.published == datetime(2026, 1, 23, 18, 0, tzinfo=UTC)
    assert "/Xinhua-AsiaNet/" in asianet.content_html


@pytest.mark.parametrize(
    ("name", "index", "published"),
    [
        pytest.param("rss2_no_guids_odd_dates.xml", 0, None, id="missing-date"),
        pytest.param("rss2_no_guids_odd_dates.xml", 1, None, id="garbage-date"),
        pytest.param(
            "rss2_no_guids_odd_dates.xml", 2, datetime(2100, 1, 1, tzinfo=UTC), id="future-date-kept-raw"
        ),
        pytest.param(
            "rss2_no_guids_odd_dates.xml", 3, datetime(2026, 2, 2, 9, tzinfo=UTC), id="offset-to-utc"
        ),
        pytest.param("atom_binzhou.xml", 0, datetime(2026, 1, 28, 1, 15, tzinfo=UTC), id="atom-published"),
        pytest.param("atom_binzhou.xml", 1, datetime(2026, 1, 27, 12, tzinfo=UTC), id="atom-updated-only"),
        pytest.param("rdf_rss1.xml", 1, datetime(2026, 1, 21, 13, 30, tzinfo=UTC), id="rdf-dc-date"),
    ],
)
def test_dates_are_aware_utc_or_none(name: str, index: int, published: datetime | None) -> None:
    entry = parse(name)[index]
    assert entry.published == published
    if entry.published is not None:
        assert entry.published.utcoffset() is not None


def test_guid_missing_and_bare_guids_not_resolved_against_feed_url() -> None:
    no_guid = parse("rss2_no_guids_odd_dates.xml")
    assert [e.guid for e in no_guid] == [None, None, None, None]
    assert no_guid[3].link is None
    assert [e.guid for e in parse("rss2_zh_utf8.xml")] == ["zh-1001", "zh-1002"]


def test_relative_link_resolved_against_feed_url() -> None:
    assert parse("atom_binzhou.xml")[0].link == "https://wire.example.org/releases/101?utm_campaign=atom#top"


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        pytest.param("rss2_zh_utf8.xml", {}, id="utf8"),
        pytest.param("rss2_zh_gb2312.xml", {}, id="gb2312-declared-gb18030-bytes"),
        pytest.param("rss2_zh_gb2312.xml", {"Content-Type": "application/rss+xml"}, id="gb2312-xml-ctype"),
    ],
)
def test_chinese_text_decoded(name: str, headers: dict[str, str]) -> None:
    first, second = parse(name, headers)
    assert first.title == "滨州铝业新工厂投产 山东轻量化材料产能提升"
    assert "山东滨州" in first.content_html
    assert second.title == "魏桥创业集团发布年度出口数据"


def test_content_encoding_header_is_ignored_for_decoded_bodies() -> None:
    entries = parse("rss2_wires.xml", {"Content-Encoding": "gzip", "Content-Length": "12"})
    assert len(entries) == 5


def test_bozo_feed_entries_are_usable() -> None:
    first, second = parse("rss2_bozo_with_entries.xml")
    assert first.title == "Binzhou logistics park opens — sample"
    assert (first.guid, second.guid) == ("sloppy-1", "sloppy-2")


RAW_MARKUP_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Raw markup wire</title><link>https://wire.example.org/</link>
<item><title>Plant opens</title><link>/news/7.html</link><guid isPermaLink="false">raw-7</guid>
<description><![CDATA[<p>The plant opened.</p><script>track()</script><style>p{}</style>
<a href="/releases/7">Full release</a>]]></description></item>
</channel></rss>"""


@pytest.mark.parametrize(
    ("fragment", "why"),
    [
        pytest.param("<script>track()</script>", "feedparser's sanitizer would drop it", id="not-sanitized"),
        pytest.param("<style>p{}</style>", "feedparser's sanitizer would drop it", id="style-kept-raw"),
        pytest.param('href="/releases/7"', "feedparser would resolve it", id="content-uris-not-rewritten"),
    ],
)
def test_entry_html_is_left_raw_for_our_own_cleaner(fragment: str, why: str) -> None:
    headers = {"Content-Location": "https://cdn.example.net/feeds/raw.xml"}
    (entry,) = parse_feed(RAW_MARKUP_FEED, headers, BASE)
    assert fragment in entry.content_html, why


def test_relative_entry_link_still_resolved_by_our_code() -> None:
    (entry,) = parse_feed(RAW_MARKUP_FEED, {}, BASE)
    assert entry.link == "https://wire.example.org/news/7.html"
