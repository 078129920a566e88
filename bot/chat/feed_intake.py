"""Adding a feed by URL (``/addfeed``, ``wirewatch feeds add``): fetch it once through the guard, tell a feed
from an HTML page (whose feed links are discovered) from anything else, and add it without alerting anyone
about its backlog: its items are stored as matched already and its fetch recorded as a success.

The same feed twice is refused by canonical URL, also when the URL given redirects to a feed we have.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.chat.ports import FeedStore
from bot.offload import off_loop
from feeds.discover import DiscoveredFeed, discover_feeds
from feeds.fetch import Fetcher, FetchResult
from feeds.invisible import strip_hidden
from feeds.models import FeedOrigin, FeedState, NewItem
from feeds.parse import FeedParseError
from feeds.pipeline import preview_feed
from feeds.sources import MAX_NAME_CHARS, clean_feed_name
from feeds.urls import UrlError, normalize_feed_url
from feeds.values import DuplicateFeedError, FetchSuccess

logger = logging.getLogger(__name__)

_HTML_MARKERS = (b"<!doctype html", b"<html")
MAX_DISCOVERY_BYTES = 512 * 1024  # feed links sit in a page's <head>: discovery reads no further


@dataclass(frozen=True, slots=True)
class FoundFeed:
    """A URL that answered with a feed. ``url`` is the one to store (where it moved for good, else the one
    given); ``final_url`` is where the redirects led."""

    requested_url: str
    url: str
    final_url: str
    title: str
    items: tuple[NewItem, ...]
    etag: str | None = None
    last_modified: str | None = None

    @property
    def newest(self) -> datetime | None:
        """The newest item's date, None for an empty feed."""
        return max((item.published_at for item in self.items), default=None)


@dataclass(frozen=True, slots=True)
class FoundPage:
    """An HTML page linking feeds (one to five of them)."""

    page_url: str
    feeds: tuple[DiscoveredFeed, ...]


@dataclass(frozen=True, slots=True)
class Unusable:
    """Why a URL gives no feed: ``reason`` is one of ``REASONS``; ``detail`` says more (``HTTP 404``, the
    guard's reason such as ``private address``)."""

    reason: str
    detail: str = ""


REASONS = ("not_a_feed", "no_feed_links", "too_large", "timeout", "http", "refused", "unreachable")
Probe = FoundFeed | FoundPage | Unusable


def normalize_url(text: str) -> str:
    """What a person typed, as a URL: ``<>`` around it dropped, ``https://`` added when it has no scheme."""
    url = text.strip().strip("<>")
    return url if "://" in url else f"https://{url}"


async def probe(fetcher: Fetcher, url: str, now: datetime) -> Probe:
    """Fetch ``url`` through the guard and say what it is (``url`` normalized as the HTTP client reads it)."""
    try:
        url = normalize_feed_url(url)
    except UrlError as bad:
        return Unusable("refused", bad.reason)
    fetched = await fetcher.fetch(url, untrusted=True)
    if fetched.status != "ok":
        return _unusable(fetched)
    if fetched.body[:1024].lstrip().lower().startswith(_HTML_MARKERS):  # a page: no feed parser run
        return await _page(fetched)
    try:
        title, items = await off_loop(preview_feed, fetched.body, fetched.headers, fetched.final_url, now)
    except FeedParseError:
        return await _page(fetched)
    return FoundFeed(
        requested_url=url,
        url=fetched.permanent_url or url,
        final_url=fetched.final_url,
        title=title,
        items=tuple(items),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
    )


def _unusable(fetched: FetchResult) -> Unusable:
    error = fetched.error or ""
    if fetched.status == "refused":
        return Unusable("refused", error.removeprefix("refused: "))
    if fetched.http_status is not None and error.startswith("HTTP "):
        return Unusable("http", error)
    if error.startswith("body too large"):
        return Unusable("too_large")
    if error.startswith("timeout"):
        return Unusable("timeout")
    return Unusable("unreachable", error[:120])


async def _page(fetched: FetchResult) -> Unusable | FoundPage:
    """A document that is no feed: an HTML page's feed links (looked for in its first
    ``MAX_DISCOVERY_BYTES``, off the event loop), or the reason it gives none."""
    kind = fetched.headers.get("content-type", "").split(";")[0].strip().lower()
    head = fetched.body[:1024].lstrip().lower()
    if kind not in ("text/html", "application/xhtml+xml") and not head.startswith(_HTML_MARKERS):
        return Unusable("not_a_feed")
    text = fetched.body[:MAX_DISCOVERY_BYTES].decode("utf-8", "replace")
    found = await off_loop(discover_feeds, text, fetched.final_url)
    return FoundPage(fetched.final_url, tuple(found)) if found else Unusable("no_feed_links")


def existing_feed(store: FeedStore, *urls: str) -> FeedState | None:
    """A feed we poll already with the canonical URL of any of ``urls``."""
    for url in dict.fromkeys(urls):
        feed = store.find_feed_by_url(url)
        if feed is not None:
            return feed
    return None


def name_from_title(title: str, url: str) -> str:
    """A feed's name when none is given: its title, else its host, at most 64 characters."""
    name = " ".join(strip_hidden(title).split()) or (urlsplit(url).hostname or url)
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1].rstrip() + "…"


def add_found(
    store: FeedStore,
    found: FoundFeed,
    *,
    name: str | None,
    origin: FeedOrigin,
    added_by_chat: int | None,
    interval_seconds: int,
    now: datetime,
    story_window: timedelta,
) -> FeedState:
    """Add a probed feed and store its items without alerting; ``DuplicateFeedError`` when the feed (or the
    name) is taken, ``ValueError`` for a bad name. Runs in a store thread."""
    same = existing_feed(store, found.requested_url, found.url, found.final_url)
    if same is not None:
        raise DuplicateFeedError(same, "url")
    feed = add_named(store, name, found.title, found.url, interval_seconds, origin, added_by_chat, now)
    polled = FetchSuccess(now, now + timedelta(seconds=interval_seconds), found.etag, found.last_modified)
    store.add_items(feed.id, list(found.items), story_window, first_poll=True, success=polled)
    logger.info(
        "feed_added feed=%s origin=%s chat=%s items=%d", feed.name, origin, added_by_chat, len(found.items)
    )
    return feed


def add_named(
    store: FeedStore,
    name: str | None,
    title: str,
    url: str,
    interval_seconds: int,
    origin: FeedOrigin,
    added_by_chat: int | None,
    now: datetime,
) -> FeedState:
    """Add with the NAME given, else the title (then ``title (host)`` when the title is taken)."""
    if name is not None:
        return store.add_feed(
            clean_feed_name(name), url, interval_seconds, origin=origin, now=now, added_by_chat=added_by_chat
        )
    derived = name_from_title(title, url)
    try:
        return store.add_feed(
            derived, url, interval_seconds, origin=origin, now=now, added_by_chat=added_by_chat
        )
    except DuplicateFeedError as dup:
        host = urlsplit(url).hostname
        if dup.reason != "name" or not host:
            raise
        other = name_from_title(f"{derived[: MAX_NAME_CHARS - len(host) - 3]} ({host})", url)
        return store.add_feed(
            other, url, interval_seconds, origin=origin, now=now, added_by_chat=added_by_chat
        )
