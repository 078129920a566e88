"""Feed discovery in an HTML page: ``<link rel="alternate" type="application/rss+xml|atom+xml" href>``.

Pure: takes the page's text and URL, returns up to five absolute feed URLs (with their titles, invisible and
bidirectional controls dropped) in page order.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from feeds.invisible import strip_hidden

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})
MAX_FOUND = 5


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    """A feed a page links to."""

    url: str
    title: str
    kind: str  # "rss" or "atom"


def discover_feeds(html: str, page_url: str, limit: int = MAX_FOUND) -> list[DiscoveredFeed]:
    """The page's alternate RSS/Atom links, relative URLs resolved against ``page_url`` (and ``<base>``),
    duplicates and non-http(s) links dropped; at most ``limit``."""
    finder = _LinkFinder(page_url)
    finder.feed(html)
    finder.close()
    found: list[DiscoveredFeed] = []
    seen: set[str] = set()
    for href, title, kind in finder.links:
        url = urljoin(finder.base, href.strip())
        if urlsplit(url).scheme not in ("http", "https") or url in seen:
            continue
        seen.add(url)
        found.append(DiscoveredFeed(url, " ".join(strip_hidden(title).split()), kind))
        if len(found) >= limit:
            break
    return found


class _LinkFinder(HTMLParser):
    """Collects alternate feed links and the first ``<base href>``."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = page_url
        self._base_seen = False
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and not self._base_seen and values.get("href"):
            self.base = urljoin(self.base, values["href"].strip())
            self._base_seen = True
        if tag != "link":
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href", "").strip():
            self.links.append((values["href"], values.get("title", ""), kind.split("/")[1].split("+")[0]))

    handle_startendtag = handle_starttag
