"""feeds.fastparse: the lxml fast path gives feedparser's values, declines what it does not model, stays safe.

Every accepted case is compared with feedparser's reading (``parse_reference``) field by field; the shared
corpora are in ``tests/test_parse_differential.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.parse import PARSE_PATHS, parse_fast, parse_feed_document, parse_reference
from feeds.pipeline import parse_and_normalize

URL = "https://wire.example.org/feeds/news.xml"
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
CONTENT = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'


def rss(items: str, namespaces: str = "", channel: str = "<title>Wire</title>") -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    return f'{head}<rss version="2.0" {namespaces}><channel>{channel}{items}</channel></rss>'.encode()


def atom(entries: str) -> bytes:
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{entries}</feed>'.encode()


ACCEPTED = [
    pytest.param(rss("<item><title>T</title><link>/a?x=1&amp;y=2</link><guid>g1</guid></item>"), id="rss2"),
    pytest.param(
        rss("<item><title>T</title><guid>https://w.example/1</guid></item>"), id="permalink-guid-is-link"
    ),
    pytest.param(rss('<item><guid isPermaLink="false">k</guid><title>T</title></item>'), id="guid-not-link"),
    pytest.param(
        rss("<item><title></title><title>Second</title><title>Third</title></item>"), id="title-depth"
    ),
    pytest.param(
        rss("<item><description>short</description><description>longer text</description></item>"),
        id="second-description-becomes-content",
    ),
    pytest.param(
        rss(
            "<item><description>d</description><content:encoded>&lt;p&gt;full&lt;/p&gt;</content:encoded></item>",
            CONTENT,
        ),
        id="content-encoded",
    ),
    pytest.param(
        rss("<item><title>don&#x92;t \u00c3\u00a9t\u00c3\u00a9</title></item>"), id="cp1252-and-mojibake"
    ),
    pytest.param(
        rss("<item><title>T</title><dc:date>2026-01-02T03:04:05Z</dc:date></item>", DC), id="dc-date"
    ),
    pytest.param(
        rss(
            "<item><title>T</title><dc:date>2026-01-02T03:04:05Z</dc:date></item>", 'xmlns:dc="http://wrong/"'
        ),
        id="unknown-namespace-prefixed-dc",
    ),
    pytest.param(
        rss(
            "<item><title>T</title><pubDate>Tue, 27 Jan 2026 10:00:00 +0100</pubDate>"
            "<feedburner:origLink>https://orig.example/a</feedburner:origLink></item>",
            'xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"',
        ),
        id="origlink-and-pubdate",
    ),
    pytest.param(
        rss(
            "<item><media:group><media:title>M</media:title><media:description>md</media:description>"
            "</media:group><description>d</description></item>",
            'xmlns:media="http://search.yahoo.com/mrss/"',
        ),
        id="media-group-depths",
    ),
    pytest.param(
        atom("<entry><id>urn:x:1</id><title type='html'>&lt;b&gt;A&lt;/b&gt;</title></entry>"),
        id="atom-id-as-link",
    ),
    pytest.param(
        atom(
            "<entry><id>i</id><link rel='self' href='/s'/><link href='/alt'/><summary>s</summary>"
            "<content type='html'>&lt;p&gt;body&lt;/p&gt;</content>"
            "<updated>2026-01-02T03:04:05Z</updated></entry>"
        ),
        id="atom-links-and-content",
    ),
    pytest.param(
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
        b'<channel rdf:about="https://w.example/"><title>R</title></channel>'
        b'<item rdf:about="https://w.example/1"><title>One</title><link>https://w.example/1</link></item>'
        b"</rdf:RDF>",
        id="rdf",
    ),
]


@pytest.mark.parametrize("body", ACCEPTED)
def test_accepted_documents_read_as_feedparser_reads_them(body: bytes) -> None:
    fast = parse_fast(body, {}, URL)
    assert fast is not None
    assert fast == parse_reference(body, {}, URL)


DECLINED = [
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><rss><channel><item><title>&c;</title></item></channel></rss>',
        {},
        id="entity-expansion",
    ),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><title>&x;</title></item></channel></rss>",
        {},
        id="external-entity",
    ),
    pytest.param(rss("<item><title>a&nbsp;b</title></item>"), {}, id="undefined-entity"),
    pytest.param(
        rss("<item><title>T</title><description><p>markup</p></description></item>"), {}, id="nested-markup"
    ),
    pytest.param(
        atom("<entry><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>x</div></title></entry>"),
        {},
        id="xhtml",
    ),
    pytest.param(atom("<entry xml:base='https://b.example/'><link href='x'/></entry>"), {}, id="xml-base"),
    pytest.param(
        rss("<item><title>T</title></item>"),
        {"Content-Location": "https://b.example/"},
        id="content-location",
    ),
    pytest.param(
        rss("<item><title>caf\u00e9</title></item>").decode().encode("latin-1"),
        {},
        id="encoding-override",
    ),
    pytest.param(
        rss(
            "<item><title>T</title><itunes:block>yes</itunes:block></item>",
            'xmlns:itunes="http://www.itunes.com/DTDs/PodCast-1.0.dtd"',
        ),
        {},
        id="unmodelled-element",
    ),
    pytest.param(rss(""), {}, id="no-entries"),
    pytest.param(b"<html><body><p>not a feed</p></body></html>", {}, id="html"),
    pytest.param(rss("<item><title>T</title></item>")[:-20], {}, id="broken-xml"),
]


@pytest.mark.parametrize(("body", "headers"), DECLINED)
def test_what_the_fast_path_does_not_model_goes_to_feedparser(body: bytes, headers: dict[str, str]) -> None:
    assert parse_fast(body, headers, URL) is None


def test_entity_expansion_is_never_performed() -> None:
    laughs = b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    doctype = b'<!DOCTYPE rss [<!ENTITY l0 "lol">' + laughs + b"]>"
    body = (
        b'<?xml version="1.0"?>' + doctype + b"<rss><channel><item><title>&l9;</title></item></channel></rss>"
    )
    assert parse_fast(body, {}, URL) is None


def test_the_running_parse_takes_the_fast_path_and_counts_it() -> None:
    accepted = rss("<item><title>Fast</title><guid>f1</guid></item>")
    declined = rss("<item><title>Slow</title><guid>s1</guid><description><p>x</p></description></item>")
    before = PARSE_PATHS.copy()
    (fast_item,) = parse_and_normalize(accepted, {"Content-Type": "application/rss+xml"}, URL, NOW)
    slow = parse_feed_document(declined, {}, URL)
    assert PARSE_PATHS["fast"] == before["fast"] + 1
    assert PARSE_PATHS["feedparser"] == before["feedparser"] + 1
    assert fast_item.title == "Fast"
    assert slow.entries[0].title == "Slow"
