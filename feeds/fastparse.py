"""The parse fast path: well-formed RSS 2.0, RSS 1.0/RDF and Atom 1.0 read by lxml, with feedparser's values.

``read_fast`` gives the feed's title and its entries as the plain keys feedparser's entries carry, or None
when the document is anything it does not fully understand, and then feedparser (the reference) reads it:
an encoding feedparser had to guess or override, a DOCTYPE or entity declaration, an XML error (lxml never
recovers), a namespace prefix declared twice, ``xml:base``, a ``Content-Location`` header, an element whose
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
from feedparser.exceptions import CharacterEncodingOverride, CharacterEncodingUnknown
from lxml import etree

from feeds.fastparse_rules import Declined, Names
from feeds.fastparse_walk import FeedWalk

__all__ = ["FastDocument", "read_fast"]

logger = logging.getLogger(__name__)

_UTF8_DECLARATION = re.compile(
    rb"<\?xml\s+version\s*=\s*(['\"])1\.0\1(\s+encoding\s*=\s*(['\"])utf-8\3)?"
    rb"(\s+standalone\s*=\s*(['\"])(yes|no)\5)?\s*\?>",
    re.IGNORECASE,
)
"""An XML 1.0 declaration at the very start (no BOM) that names UTF-8 or no encoding (UTF-8 by default)."""
_ENCODING_DOUBTS = (CharacterEncodingOverride, CharacterEncodingUnknown)
"""feedparser's encoding bozos: it overrode the declared encoding or found none (NonXMLContentType is not one:
the text is decoded the same)."""
_HAS_BASE = "boolean(//@*[translate(local-name(), 'BASE', 'base') = 'base'])"
"""feedparser takes a base URI from any attribute named ``base`` (``xml:base`` or any prefix, any case)."""
_FIRST_ELEMENT = re.compile(rb"<\w")
ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
"""Atom 1.0; the other roots read are RSS 0.9x/2.0 and RDF (RSS 1.0/0.90), by feedparser's names."""


@dataclass(frozen=True, slots=True)
class FastDocument:
    """A document as feedparser would give it: the feed's ``title`` (None when absent), entries, language."""

    title: str | None
    entries: list[dict[str, Any]]
    language: str | None = None  # the channel's <language> (or dc:language), as feedparser's feed.language


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
    if "content-language" in headers:
        raise Declined("Content-Language sets the language of every element")
    data = _utf8(body, headers)
    if b"xml:lang" in data:  # (the prefix is reserved) a scoped language: feedparser's lang stack decides
        raise Declined("xml:lang")
    root = _tree(data)
    names = _names(root)
    if root.tag != ATOM_FEED and names.of(root.tag) not in ("rss", "rdf_rdf"):
        raise Declined(f"root {root.tag}")
    walk = FeedWalk(names)
    walk.feed_level(root, 2, infeed=root.tag == ATOM_FEED)
    if not walk.entries:
        raise Declined("no entries (feedparser decides whether that is a feed)")
    return FastDocument(walk.feed.get("title"), walk.entries, walk.feed.get("language"))


def _utf8(body: bytes, headers: Mapping[str, str]) -> bytes:
    """The bytes feedparser's own parser reads: its encoding decision, exactly; encoding doubts decline."""
    if _plain_utf8(body, headers):
        data = body
    else:
        result: dict[str, Any] = {}
        data = convert_to_utf8(dict(headers), body, result)
        if not result.get("encoding") or isinstance(result.get("bozo_exception"), _ENCODING_DOUBTS):
            raise Declined(f"encoding: {result.get('bozo_exception') or 'undetermined'}")
    first = _FIRST_ELEMENT.search(data)
    head = data[: first.start() if first else len(data)]
    if b"<!" in head.replace(b"<!--", b""):
        raise Declined("DOCTYPE or entity declarations")
    return data


def _plain_utf8(body: bytes, headers: Mapping[str, str]) -> bool:
    """A UTF-8 document that declares itself so and that feedparser reads as UTF-8: lxml reads the same text
    from the body as it is. feedparser decides on the XML declaration alone (the first encoding that decodes
    the whole body wins; the body is checked separately), so it is asked about the declaration: its own
    conversion scans a one-line body with a backtracking pattern (~0.7 ms per 100 KB)."""
    declaration = _UTF8_DECLARATION.match(body)
    if declaration is None:
        return False
    first_line_end = body.find(b"\n")
    if body.find(b"encoding", declaration.end(), first_line_end if first_line_end >= 0 else len(body)) >= 0:
        return False  # feedparser's pattern takes the last "encoding=" of the first line
    result: dict[str, Any] = {}
    convert_to_utf8(dict(headers), declaration.group(), result)
    if result.get("encoding") != "utf-8" or isinstance(result.get("bozo_exception"), _ENCODING_DOUBTS):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
    if root.xpath(_HAS_BASE):
        raise Declined("xml:base")
    return root


def _names(root: etree._Element) -> Names:
    """Element names as feedparser maps them. feedparser's prefix map is global (a later declaration rewrites
    it), lxml's scoped: a prefix declared twice for different URIs declines."""
    declared: dict[str | None, str] = {}
    for _event, (prefix, uri) in etree.iterwalk(root, events=("start-ns",)):
        key = prefix or None
        if declared.setdefault(key, uri) != uri:
            raise Declined(f"prefix {prefix!r} declared for two namespaces")
    return Names(declared)
