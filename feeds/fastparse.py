"""The parse fast path: well-formed RSS 2.0, RSS 1.0/RDF and Atom 1.0 read by lxml, with feedparser's values.

``read_fast`` gives the feed's title and its entries as the plain keys feedparser's entries carry, or None
when the document is anything it does not fully understand, and then feedparser (the reference) reads it:
an encoding feedparser had to guess or override, a DOCTYPE or entity declaration, an XML error (lxml never
recovers), namespaces declared below the root, ``xml:base``, a ``Content-Location`` header, an element whose
effect it does not model (XHTML or base64 content, nested markup in a text element, ...), no entries.
``tests/test_parse_differential.py`` holds it to feedparser's values on every corpus document it accepts.

Safety is lxml's: no entity expansion, no network, no DTD loading, no huge trees; the body is already capped
by the fetcher.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feedparser.encodings import convert_to_utf8
from lxml import etree

from feeds.fastparse_rules import Declined, Names
from feeds.fastparse_walk import FeedWalk

__all__ = ["FastDocument", "read_fast"]

logger = logging.getLogger(__name__)

_BASE_ATTRIBUTE = re.compile(rb"base\s*=", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<\w")
ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
ROOTS = frozenset({ATOM_FEED, "rss", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"})
"""Atom 1.0, RSS 0.9x/2.0 (no namespace) and RDF (RSS 1.0/0.90) roots."""


@dataclass(frozen=True, slots=True)
class FastDocument:
    """A document as feedparser would give it: the feed's ``title`` (None when absent) and its entries."""

    title: str | None
    entries: list[dict[str, Any]]


def read_fast(body: bytes, headers: Mapping[str, str]) -> FastDocument | None:
    """The document read by lxml, or None when feedparser must read it. ``headers`` have lower-case names."""
    try:
        return _read(body, headers)
    except Declined as reason:
        logger.debug("fast_parse_declined reason=%s", reason)
        return None


def _read(body: bytes, headers: Mapping[str, str]) -> FastDocument:
    if "content-location" in headers:
        raise Declined("Content-Location sets a base URI")
    data = _utf8(body, headers)
    root = _tree(data)
    if root.tag not in ROOTS:
        raise Declined(f"root {root.tag}")
    walk = FeedWalk(_names(root, data))
    walk.feed_level(root, 2, infeed=root.tag == ATOM_FEED)
    if not walk.entries:
        raise Declined("no entries (feedparser decides whether that is a feed)")
    return FastDocument(walk.feed.get("title"), walk.entries)


def _utf8(body: bytes, headers: Mapping[str, str]) -> bytes:
    """The bytes feedparser's own parser would read (its encoding detection, exactly) if it doubts nothing."""
    result: dict[str, Any] = {}
    data: bytes = convert_to_utf8(dict(headers), body, result)
    if not result.get("encoding") or result.get("bozo"):
        raise Declined(f"encoding: {result.get('bozo_exception') or 'undetermined'}")
    first = _FIRST_ELEMENT.search(data)
    head = data[: first.start() if first else len(data)]
    if b"<!" in head.replace(b"<!--", b""):
        raise Declined("DOCTYPE or entity declarations")
    if _BASE_ATTRIBUTE.search(data):
        raise Declined("xml:base (or text that looks like it)")
    return data


def _tree(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise Declined(f"XML error: {error}") from None
    if len(parser.error_log) or root.getroottree().docinfo.doctype:
        raise Declined("XML warnings or DOCTYPE")
    return root


def _names(root: etree._Element, data: bytes) -> Names:
    """Element names as feedparser maps them; every namespace must be declared on the root (feedparser's map
    is global and order-dependent, lxml's scoped)."""
    declared = root.nsmap
    if data.count(b"xmlns") != len(declared):
        raise Declined("namespaces declared below the root (or 'xmlns' in text)")
    return Names(declared)
