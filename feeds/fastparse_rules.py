"""feedparser's own rules for element names and element text, as the lxml fast path needs them.

Each function here restates, for the elements the fast path reads, what feedparser 6's strict (SAX) parser
does (``feedparser.mixin._FeedParserMixin.pop``/``unknown_starttag``, ``feedparser.parsers.strict``), reusing
its helpers (``_urljoin``, ``_cp1252``, the namespace table) so the values are exactly feedparser's.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping

from feedparser.api import StrictFeedParser
from feedparser.html import _cp1252
from feedparser.urls import _urljoin

KNOWN_NAMESPACES: dict[str, str] = {uri.lower(): p for uri, p in StrictFeedParser.namespaces.items()}
"""feedparser's namespace table: lower-cased URI → its canonical prefix ('' for the RSS/Atom family)."""

HANDLED_NAMES: frozenset[str] = frozenset(
    {name[7:] for name in dir(StrictFeedParser) if name.startswith("_start_")}
    | {name[5:] for name in dir(StrictFeedParser) if name.startswith("_end_")}
)
"""Element names feedparser has a handler for; any other element is stored under its own name, harmlessly."""

RESERVED_KEYS = frozenset(
    {"links", "tags", "authors", "contributors", "published_parsed", "updated_parsed", "guidislink"}
    | {"feedburner_origlink", "id", "link", "title", "summary", "content", "source", "image", "textinput"}
)
"""Keys an element without a handler must not be stored under: they would overwrite values we read."""

HTML_TYPES = frozenset(StrictFeedParser.html_types)
TEXT_TYPES = frozenset({"text/plain", "text/html"})
"""Content types whose text feedparser keeps as it is (no base64 decoding, no XHTML serialization)."""

_USERLAND = "backend.userland.com/rss"
_ENTITY_LIKE = re.compile("&([A-Za-z0-9_]+);")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
"""The characters ``_cp1252`` maps (to the windows-1252 characters at those bytes)."""


class Declined(Exception):
    """The fast path does not fully understand this document; feedparser reads it."""


class Names:
    """Element names as feedparser's handlers see them (``dc_date``, ``content_encoded``, ``title``)."""

    def __init__(self, declared: Mapping[str | None, str]) -> None:
        self._namespacemap: dict[str | None, str] = {}
        self._in_use: dict[str, str] = {}
        for prefix, uri in declared.items():
            self._track(prefix, uri)
        self._cache: dict[str, str] = {}

    def _track(self, prefix: str | None, uri: str) -> None:
        """``track_namespace``: known URIs map the document's prefix to the canonical one."""
        if not uri:
            return
        lower = uri.lower()
        if _USERLAND in lower:
            uri = lower = "http://backend.userland.com/rss"
        if lower in KNOWN_NAMESPACES:
            self._namespacemap[prefix] = KNOWN_NAMESPACES[lower]
            self._in_use[KNOWN_NAMESPACES[lower]] = uri
        else:
            self._in_use[prefix or ""] = uri

    def of(self, tag: str) -> str:
        """The handler name of an lxml tag (``{uri}local``)."""
        name = self._cache.get(tag)
        if name is None:
            name = self._cache[tag] = self._compute(tag)
        return name

    def _compute(self, tag: str) -> str:
        if not tag.isascii():
            raise Declined("non-ASCII element name (expat and libxml2 may disagree on it)")
        uri, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
        lower = uri.lower()
        if _USERLAND in lower:
            uri = lower = "http://backend.userland.com/rss"
        prefix = KNOWN_NAMESPACES.get(lower)
        qualified = local
        if prefix:
            qualified = prefix.lower() + ":" + local
        elif uri:  # expat reports no qname: the first prefix declared for this URI
            qualified = next((f"{p}:{local}" for p, u in self._in_use.items() if p and u == uri), local)
        qualified = qualified.lower()
        if ":" not in qualified:
            return qualified
        given, suffix = qualified.split(":", 1)
        mapped = self._namespacemap.get(given, given)
        return f"{mapped}_{suffix}" if mapped else suffix


def attributes(attrib: Mapping[str, str]) -> dict[str, str]:
    """The attributes as feedparser's handlers get them: a namespaced one under ``prefix:name`` and ``name``,
    names lower-cased, ``rel`` and ``type`` values lower-cased (``_normalize_attributes``).

    Namespaced attributes other than ``xml:lang`` and ``rdf:*`` decline (feedparser files unknown ones under
    their bare name, where they could shadow ``type`` or ``href``)."""
    if not attrib:
        return {}
    raw: dict[str, str] = {}
    bare: dict[str, str] = {}
    for key, value in attrib.items():
        if key.startswith("{"):
            uri, _, local = key[1:].partition("}")
            prefix = KNOWN_NAMESPACES.get(uri.lower())
            if prefix not in ("xml", "rdf") or (prefix == "xml" and local != "lang"):
                raise Declined(f"attribute {key}")
            raw[f"{prefix}:{local}".lower()] = value
            bare[local.lower()] = value
        else:
            raw[key.lower()] = bare[key.lower()] = value
    raw.update(bare)
    return {k: (v.lower() or v) if k in ("rel", "type") else v for k, v in raw.items()}


def content_type(value: str) -> str:
    """``map_content_type``."""
    value = value.lower()
    if value in ("text", "plain"):
        return "text/plain"
    if value == "html":
        return "text/html"
    if value == "xhtml":
        return "application/xhtml+xml"
    return value


def check_text_type(attrs: Mapping[str, str], default: str) -> None:
    """Decline text that feedparser would decode (base64) or serialize (XHTML) instead of keeping."""
    if "mode" in attrs or "src" in attrs or content_type(attrs.get("type", default)) not in TEXT_TYPES:
        raise Declined(f"content type {attrs.get('type')!r}")


def element_text(text: str | None, resolve: bool = False) -> str:
    """``pop``'s treatment of an element's text: strip, resolve as a URI, undo latin-1 mojibake, cp1252."""
    output = (text or "").strip()
    if resolve and output:
        output = _urljoin("", output)
    if output.isascii():  # both steps below leave ASCII as it is
        return output
    # feedparser always reads UTF-8 here, and undoes "data that is already utf-8, presumed iso-8859-1"
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        output = output.encode("iso-8859-1").decode("utf-8")
    return output.translate(_cp1252) if _C1_CONTROLS.search(output) else output


def link_text(output: str) -> str:
    """An entry ``<link>``'s text: feedparser undoes ``&amp;`` and ``&name;`` in query strings."""
    if "&" not in output:
        return output
    return _ENTITY_LIKE.sub(r"&\g<1>", output.replace("&amp;", "&"))


def resolve(uri: str) -> str:
    """feedparser's ``resolve_uri`` with no base (we never give feedparser a URL or Content-Location)."""
    return str(_urljoin("", uri))
