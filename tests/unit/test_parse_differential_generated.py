"""The parse fast path against feedparser on generated RSS documents: random mixes of the elements, texts,
URLs and dates whose treatment the fast path restates (title depth, descriptions that become content,
guids as links, cp1252 and mojibake repair, containers, unknown namespaces). Where the fast path accepts a
document, every field must equal feedparser's.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.parse import FeedParseError, parse_fast, parse_reference

URL = "https://wire.example.org/feeds/news.xml"
NAMESPACES = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0" xmlns:foo="http://foo.example/ns" '
    'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:itunes="http://www.itunes.com/DTDs/PodCast-1.0.dtd"'
)
TEXT_PIECES = (
    *("Binzhou", " ", "\n  ", "a", "&amp;", "&amp;amp;", "&lt;b&gt;bold&lt;/b&gt;", "&#160;", "caf\u00e9"),
    *("\u00c3\u00a9", "&#x92;", "&#150;", "\u6ee8\u5dde", "<![CDATA[<p>x & y</p>]]>", "\u201cq\u201d"),
)
"""Plain, escaped and CDATA markup, entities, mojibake (UTF-8 read as latin-1), C1 controls, CJK."""
TEXTS = st.lists(st.sampled_from(TEXT_PIECES), max_size=5).map("".join)
URLS = st.sampled_from(
    (
        *("https://a.example/x?a=1&amp;b=2", "/rel/path", "http:///triple/slash", "  https://s.example/  "),
        *("", "urn:uuid:1", "javascript:alert(1)", "https://a.example/x?q=&amp;amp;k&amp;lt;"),
    )
)
DATES = st.sampled_from(
    ("Tue, 27 Jan 2026 10:00:00 +0100", "2026-01-02T03:04:05Z", "garbage", "", "2026-13-45", "Mon, 99 Foo")
)
TEXT_ELEMENTS = (
    *("title", "dc:title", "media:title", "description", "summary", "media:description", "content:encoded"),
    *("itunes:summary", "category", "author", "foo:bar", "other", "Title", "DESCRIPTION", "atom:content"),
)
URL_ELEMENTS = ("link", "guid", "feedburner:origLink", "comments")
DATE_ELEMENTS = ("pubDate", "dc:date", "atom:updated", "atom:published", "dcterms:modified")
WITH_ATTRIBUTES = (
    ("title", TEXTS, ' type="html"'),
    ("title", TEXTS, ' type="text/plain"'),
    ("source", TEXTS, ' url="https://s.example/"'),
    ("guid", URLS, ' isPermaLink="false"'),
    ("guid", URLS, ' isPermaLink="true"'),
    ("guid", URLS, ' isPermaLink="True"'),
    ("atom:link", URLS, ' href="https://h.example/a"'),
    ("atom:link", URLS, ' rel="self" href="https://h.example/s"'),
    ("atom:link", URLS, ' rel="enclosure" href="https://h.example/e"'),
)


def _leaf(tag: str, value: st.SearchStrategy[str], attrs: str = "") -> st.SearchStrategy[str]:
    return value.map(lambda text: f"<{tag}{attrs}>{text}</{tag}>")


LEAVES = st.one_of(
    [_leaf(tag, TEXTS) for tag in TEXT_ELEMENTS]
    + [_leaf(tag, URLS) for tag in URL_ELEMENTS]
    + [_leaf(tag, DATES) for tag in DATE_ELEMENTS]
    + [_leaf(tag, values, attrs) for tag, values, attrs in WITH_ATTRIBUTES]
    + [st.just('<enclosure url="https://e.example/a.mp3" type="audio/mpeg"/>'), st.just("<!-- note -->")]
)
CHILDREN = st.recursive(
    st.lists(LEAVES, max_size=6).map("".join),
    lambda inner: st.one_of(
        inner.map(lambda x: f"<media:group>{x}</media:group>"),
        inner.map(lambda x: f'<media:content url="https://m.example/1.jpg">{x}</media:content>'),
        inner.map(lambda x: f"<foo:wrap>{x}</foo:wrap>"),
    ),
    max_leaves=8,
)
CHANNEL = st.lists(
    st.one_of(
        _leaf("title", TEXTS),
        _leaf("description", TEXTS),
        _leaf("link", URLS),
        TEXTS.map(lambda t: f"<image><title>{t}</title><url>https://i.example/a.png</url></image>"),
        st.just('<atom:link rel="self" href="https://wire.example.org/feeds/news.xml"/>'),
    ),
    max_size=4,
).map("".join)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    items = draw(st.lists(CHILDREN.map(lambda c: f"<item>{c}</item>"), min_size=1, max_size=3))
    head, tail = draw(CHANNEL), draw(CHANNEL)
    body = f'<rss version="2.0" {NAMESPACES}><channel>{head}{"".join(items)}{tail}</channel></rss>'
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def assert_same_reading(body: bytes) -> None:
    """Where the fast path accepts ``body``, it reads every field as feedparser does."""
    fast = parse_fast(body, {}, URL)
    if fast is None:
        return
    try:
        expected = parse_reference(body, {}, URL)
    except FeedParseError as error:
        raise AssertionError(f"fast path accepted what feedparser rejects: {error}\n{body!r}") from error
    assert fast == expected, body


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_documents_read_as_feedparser_reads_them(body: bytes) -> None:
    assert_same_reading(body)


ATOM_RELS = ("", ' rel="alternate"', ' rel="self"')
ATOM_LEAVES = st.one_of(
    [_leaf(tag, TEXTS, attrs) for tag in ("title", "summary", "content") for attrs in ("", ' type="html"')]
    + [_leaf("id", URLS), _leaf("rights", TEXTS), _leaf("foo:bar", TEXTS), _leaf("media:title", TEXTS)]
    + [_leaf(tag, DATES) for tag in ("published", "updated", "dc:date")]
    + [
        URLS.map(lambda u, rel=rel: f'<link{rel} href="{u}"/>')
        for rel in ("", ' rel="alternate"', ' rel="self"')
    ]
    + [URLS.map(lambda u: f'<link rel="alternate" type="application/pdf" href="{u}"/>')]
    + [TEXTS.map(lambda t: f"<author><name>{t}</name><uri>https://u.example/</uri></author>")]
    + [st.just('<category term="t" scheme="s"/>'), st.just("<!-- note -->")]
)


@st.composite
def atom_documents(draw: st.DrawFn) -> bytes:
    entries = draw(st.lists(st.lists(ATOM_LEAVES, max_size=7).map("".join), min_size=1, max_size=3))
    head = draw(st.lists(st.one_of(_leaf("title", TEXTS), _leaf("subtitle", TEXTS)), max_size=2).map("".join))
    body = "".join(f"<entry>{entry}</entry>" for entry in entries)
    namespaces = 'xmlns:foo="http://foo.example/ns" xmlns:media="http://search.yahoo.com/mrss/"'
    namespaces += ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    return f'<feed xmlns="http://www.w3.org/2005/Atom" {namespaces}>{head}{body}</feed>'.encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atom_documents())
def test_generated_atom_documents_read_as_feedparser_reads_them(body: bytes) -> None:
    assert_same_reading(body)
