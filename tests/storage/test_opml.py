"""feeds.opml: OPML 1.0/2.0 parsing (nested, hardened, capped) and an OPML 2.0 export that round-trips."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.models import FeedOrigin
from feeds.opml import MAX_OUTLINES, OpmlError, OpmlFeed, export_opml, parse_opml
from storage.store import Store
from tests.fixtures_db import T0, drop_schema

OPML1 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0">
  <head><title>mySubscriptions</title></head>
  <body>
    <outline text="Harbor Wire" type="rss" xmlUrl="http://harbor.example/rss.xml" htmlUrl="http://harbor.example/"/>
    <outline title="Caf\xe9 News" text="ignored" xmlUrl="https://cafe.example/feed"/>
  </body>
</opml>"""

OPML2_NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Wires</title><dateCreated>Mon, 26 Jan 2026 09:00:00 GMT</dateCreated></head>
  <body>
    <outline text="Asia">
      <outline text="China">
        <outline text="山东财经快讯" type="rss" xmlUrl="http://zh.example/rss?a=1&amp;b=2"/>
      </outline>
      <outline text="Xinhua" XMLURL="http://xinhua.example/rss"/>
    </outline>
    <outline text="No feed here" htmlUrl="http://site.example/"/>
    <outline type="rss" xmlUrl="http://untitled.example/atom"/>
  </body>
</opml>""".encode()


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            OPML1,
            [
                OpmlFeed("Harbor Wire", "http://harbor.example/rss.xml"),
                OpmlFeed("Café News", "https://cafe.example/feed"),
            ],
            id="opml-1.0-latin1",
        ),
        pytest.param(
            OPML2_NESTED,
            [
                OpmlFeed("山东财经快讯", "http://zh.example/rss?a=1&b=2"),
                OpmlFeed("Xinhua", "http://xinhua.example/rss"),
                OpmlFeed("", "http://untitled.example/atom"),
            ],
            id="opml-2.0-nested",
        ),
    ],
)
def test_parse(document: bytes, expected: list[OpmlFeed]) -> None:
    assert parse_opml(document) == expected


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<opml version="2.0"><body><outline text="&lol2;" xmlUrl="http://x.example/"/></body></opml>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="http://x.example/"/></body></opml>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/evil.dtd">
<opml version="2.0"><body/></opml>"""


def _outlines(n: int) -> bytes:
    rows = "".join(f'<outline text="f{i}" xmlUrl="http://f{i}.example/"/>' for i in range(n))
    return f'<opml version="2.0"><body>{rows}</body></opml>'.encode()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(BILLION_LAUGHS, "no DTD or entities allowed", id="entity-expansion"),
        pytest.param(EXTERNAL, "no DTD or entities allowed", id="external-entity"),
        pytest.param(EXTERNAL_DTD, "no DTD or entities allowed", id="external-dtd"),
        pytest.param(b"<opml><body>", "not well-formed XML", id="broken"),
        pytest.param(b"", "not well-formed XML", id="empty"),
        pytest.param(b"<rss version='2.0'><channel/></rss>", "root element is <rss>", id="not-opml"),
        pytest.param(b"<opml version='2.0'><head/></opml>", "no <body>", id="no-body"),
        pytest.param(b"<opml><body/></opml>" + b" " * 1_000_001, "too large", id="over-1MB"),
        pytest.param(_outlines(MAX_OUTLINES + 1), "1,001 outlines, at most 1,000", id="too-many-outlines"),
    ],
)
def test_refused_documents_say_why(document: bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        parse_opml(document)


def test_exactly_1000_outlines_are_fine() -> None:
    assert len(parse_opml(_outlines(MAX_OUTLINES))) == MAX_OUTLINES


def test_export_is_opml_2_and_escapes() -> None:
    feeds = [OpmlFeed('A & B <"wire">', "http://a.example/rss?x=1&y=2")]
    document = export_opml(feeds, now=datetime(2026, 1, 27, 9, 0, tzinfo=UTC))
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert b'<opml version="2.0">' in document
    assert b"Tue, 27 Jan 2026 09:00:00 GMT" in document
    assert b"A &amp; B &lt;&quot;wire&quot;&gt;" in document
    assert parse_opml(document) == feeds


def import_opml(store: Store, document: bytes) -> None:
    for feed in parse_opml(document):
        store.add_feed(feed.title or feed.url[:64], feed.url, 300, origin=FeedOrigin.OPML, now=T0)


@pytest.fixture
def empty_target(backend: tuple[str, str | None], tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of a second, empty database beside ``store``'s: a SQLite file, or a PostgreSQL schema
    dropped afterwards whatever happened (``Store.open`` creates it before migrating it, so a failed open
    leaves it too)."""
    url, schema = backend
    if schema is None:
        yield f"sqlite:///{tmp_path / 'b.db'}", None
        return
    target = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield url, target
    finally:
        drop_schema(url, target)


def test_export_imported_into_an_empty_database_gives_the_same_feed_list(
    store: Store, empty_target: tuple[str, str | None]
) -> None:
    import_opml(store, OPML1)
    import_opml(store, OPML2_NESTED)
    exported = export_opml([OpmlFeed(f.name, f.url) for f in store.list_feeds()])
    target_url, target_schema = empty_target
    target = Store.open(target_url, schema=target_schema)
    try:
        import_opml(target, exported)
        assert [(f.name, f.url) for f in target.list_feeds()] == [(f.name, f.url) for f in store.list_feeds()]
        assert len(target.list_feeds()) == 5
    finally:
        target.close()
