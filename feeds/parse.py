"""The parse adapter: bytes and response headers in, ``ParsedEntry`` values out.

``parse_feed_document`` reads a document with the lxml fast path (``feeds.fastparse``) when that fully
understands it and with feedparser, the reference, otherwise; both give the same values, converted here by
one function. ``FeedParserDict`` never leaves this module. feedparser is given the body and headers only,
never a URL (it would fetch without a timeout).
"""

from __future__ import annotations

import calendar
import io
import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from feedparser.exceptions import ThingsNobodyCaresAboutButMe

from feeds.fastparse import read_fast
from feeds.models import ParsedEntry

logger = logging.getLogger(__name__)

# Headers that describe the transfer, not the document: the body we hold is already decoded.
_TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

PARSE_PATHS: Counter[str] = Counter()
"""Documents parsed in this process by each path: ``fast`` (lxml) and ``feedparser``."""


class FeedParseError(Exception):
    """The document is not a usable feed (HTML page, broken XML without entries, ...)."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document: its own title (may be empty), its entries, and its declared language (raw, as
    ``<language>`` or the root's ``xml:lang`` gives it; None when it declares none)."""

    title: str
    entries: list[ParsedEntry]
    language: str | None = None


def parse_feed(body: bytes, headers: Mapping[str, str], feed_url: str | None = None) -> list[ParsedEntry]:
    """Parse a feed document's entries; see ``parse_feed_document``."""
    return parse_feed_document(body, headers, feed_url).entries


def parse_feed_document(body: bytes, headers: Mapping[str, str], feed_url: str | None = None) -> ParsedFeed:
    """Parse a feed document; raise ``FeedParseError`` when it is not a feed or is broken with no entries.

    The one place that chooses the parser: the lxml fast path (``feeds.fastparse``) when it fully understands
    the document, feedparser (the reference) otherwise; both give the same values. ``PARSE_PATHS`` counts
    the choices of this process."""
    document = parse_fast(body, headers, feed_url)
    if document is not None:
        PARSE_PATHS["fast"] += 1
        return document
    PARSE_PATHS["feedparser"] += 1
    return parse_reference(body, headers, feed_url)


def parse_fast(body: bytes, headers: Mapping[str, str], feed_url: str | None = None) -> ParsedFeed | None:
    """The fast path's reading of the document, or None when it leaves the document to feedparser."""
    fast = read_fast(body, _response_headers(headers))
    if fast is None:
        return None
    return _document(fast.title, fast.entries, feed_url, fast.language)


def parse_reference(body: bytes, headers: Mapping[str, str], feed_url: str | None = None) -> ParsedFeed:
    """The document read by feedparser; see ``parse_feed_document``.

    A well-formed feed with no entries gives no entries. ``feed_url`` resolves relative entry links; it is
    not given to feedparser as a base, which would also "resolve" bare guids and make identities
    URL-dependent. feedparser's HTML sanitizer and relative-URI rewriter are off: ``feeds.text`` strips all
    markup (scripts and styles included) and we never render feed HTML, so both would be wasted CPU (~30% of
    a parse)."""
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers=_response_headers(headers),
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries: list[Any] = list(parsed.get("entries", []))
    if not entries:
        _check_empty(parsed, body)
    feed = parsed.get("feed", {})
    return _document(feed.get("title"), entries, feed_url, feed.get("language"))


def _document(title: Any, entries: list[Any], feed_url: str | None, language: Any) -> ParsedFeed:
    """feedparser's feed title, entries and language (or the fast path's, with the same keys) as plain
    values; an entry's language is its own ``xml:lang``, else the feed's."""
    text = _text(title) or ""
    feed_language = _text(language)
    entries_out = [_entry(e, feed_url, feed_language) for e in entries]
    return ParsedFeed(" ".join(text.split()), entries_out, feed_language)


def _response_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in _TRANSFER_HEADERS}


def _check_empty(parsed: Any, body: bytes) -> None:
    """An entry-less document is fine only if it is a recognised, well-formed feed."""
    version = parsed.get("version", "")
    if not body.strip():
        raise FeedParseError("empty document")
    if not version:
        raise FeedParseError("not a feed (no RSS/Atom/RDF root)")
    reason = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(reason, ThingsNobodyCaresAboutButMe):
        raise FeedParseError(f"malformed feed with no entries: {type(reason).__name__}: {reason}"[:200])


def _entry(entry: Any, feed_url: str | None, feed_language: str | None) -> ParsedEntry:
    """Convert one entry (a ``FeedParserDict``, or the fast path's plain dict) to plain values; its language
    is its own ``xml:lang`` (on the title or content), else the feed's.

    Plain ``dict.get`` on feedparser's canonical keys: ``FeedParserDict.get`` runs its key-alias logic on
    every call (~10x slower) and only the aliases (``guid``, ``description``, ...) need it."""
    get = dict.get
    return ParsedEntry(
        guid=_text(get(entry, "id")),
        link=_absolute(_text(get(entry, "link")), feed_url),
        title=_text(get(entry, "title")) or "",
        content_html=_content_html(entry),
        published=_published(entry),
        orig_link=_absolute(_text(get(entry, "feedburner_origlink")), feed_url),
        language=_entry_language(entry) or feed_language,
    )


def _entry_language(entry: Any) -> str | None:
    details = [dict.get(entry, "title_detail"), *(dict.get(entry, "content", None) or [])]
    return next((lang for d in details if isinstance(d, dict) and (lang := _text(d.get("language")))), None)


def _absolute(link: str | None, base: str | None) -> str | None:
    if link is None or not base:
        return link
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _content_html(entry: Any) -> str:
    """The longest of the entry's ``content[].value`` and ``summary``."""
    candidates = [dict.get(c, "value", "") for c in dict.get(entry, "content", None) or []]
    candidates.append(dict.get(entry, "summary", ""))
    texts = [c for c in candidates if isinstance(c, str)]
    return max(texts, key=len, default="")


def _published(entry: Any) -> datetime | None:
    """``published_parsed`` else ``updated_parsed`` as an aware UTC datetime; None when absent or absurd."""
    for key in ("published_parsed", "updated_parsed"):
        value = dict.get(entry, key)  # plain dict lookup: skips feedparser's deprecated key aliasing
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                return None
    return None
