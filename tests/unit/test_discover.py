"""feeds.discover: alternate RSS/Atom links in an HTML page, resolved, at most five."""

from __future__ import annotations

import pytest

from feeds.discover import DiscoveredFeed, discover_feeds

PAGE = "https://news.example/section/page.html"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param(
            '<html><head><link rel="alternate" type="application/rss+xml" title="All news" href="/rss.xml">'
            '<link rel="alternate" type="application/atom+xml" href="atom.xml"></head></html>',
            [
                DiscoveredFeed("https://news.example/rss.xml", "All news", "rss"),
                DiscoveredFeed("https://news.example/section/atom.xml", "", "atom"),
            ],
            id="relative-urls-resolved",
        ),
        pytest.param(
            '<head><base href="https://cdn.example/feeds/"><LINK REL="Alternate Feed" '
            'TYPE="application/RSS+XML; charset=utf-8" HREF="main.rss" /></head>',
            [DiscoveredFeed("https://cdn.example/feeds/main.rss", "", "rss")],
            id="base-href-and-case",
        ),
        pytest.param(
            '<link rel="stylesheet" type="text/css" href="a.css">'
            '<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">'
            '<link rel="alternate" type="application/rss+xml">'
            '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
            '<link rel="alternate" type="application/json" href="/feed.json">',
            [],
            id="other-links-ignored",
        ),
        pytest.param(
            '<link rel="alternate" type="application/rss+xml" href="http://a.example/x?a=1&amp;b=2">'
            '<link rel="alternate" type="application/rss+xml" href="http://a.example/x?a=1&b=2">',
            [DiscoveredFeed("http://a.example/x?a=1&b=2", "", "rss")],
            id="entities-and-duplicates",
        ),
        pytest.param("<p>no head at all<link", [], id="broken-html"),
    ],
)
def test_discover(html: str, expected: list[DiscoveredFeed]) -> None:
    assert discover_feeds(html, PAGE) == expected


def test_at_most_five() -> None:
    links = "".join(f'<link rel="alternate" type="application/rss+xml" href="/f{i}.xml">' for i in range(8))
    found = discover_feeds(links, PAGE)
    assert [f.url for f in found] == [f"https://news.example/f{i}.xml" for i in range(5)]
