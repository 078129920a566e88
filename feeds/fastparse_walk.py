"""The fast path's walk over an lxml tree: feedparser's state machine for the elements we read.

It fills the same plain keys feedparser's entries have (``id``, ``link``, ``title``, ``summary``, ``content``,
``published_parsed``, ``updated_parsed``, ``feedburner_origlink``) and the feed's ``title``, following
``feedparser.namespaces._base``: the title depth rule, description-becomes-content, guid-as-link, the depth
rule for repeated elements. Every element it does not know to be harmless raises ``Declined``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from feedparser.datetimes import _parse_date
from lxml import etree

from feeds.fastparse_rules import (
    HANDLED_NAMES,
    HTML_TYPES,
    RESERVED_KEYS,
    Declined,
    Names,
    attributes,
    check_text_type,
    content_type,
    element_text,
    link_text,
    resolve,
)

TITLES = frozenset({"title", "dc_title", "media_title"})
PUBLISHED = frozenset({"published", "issued", "pubdate", "dcterms_issued"})
UPDATED = frozenset({"updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"})
DESCRIPTIONS = {"description": "text/html", "dc_description": "text/html", "media_description": "text/html"}
SUMMARIES = {"summary": "text/plain", "itunes_summary": "text/plain", **DESCRIPTIONS}
CONTENTS = {"content": "text/plain", "content_encoded": "text/html", "fullitem": "text/html"}
CONTAINER_HARMLESS = frozenset({"media_group", "media_content", "author", "contributor", "dc_creator"})
"""Handled elements that only record their own attributes or text; what they enclose is read as usual."""
LEAF_HARMLESS = frozenset(
    {"dc_author", "dc_publisher", "webmaster", "managingeditor", "category", "dc_subject", "keywords"}
    | {"enclosure", "rights", "dc_rights", "copyright", "language", "dc_language", "created"}
    | {"dcterms_created"}
    | {"expirationdate", "subtitle", "tagline", "name", "email", "uri", "url", "homepage", "generator"}
    | {"media_thumbnail", "media_category", "media_credit", "cloud", "info", "newlocation"}
)
"""Handled elements whose effects never reach the values we read, when they hold only text."""
FEED_HARMLESS = frozenset({"link", "id", "guid", "description", "dc_description"} | PUBLISHED | UPDATED)
IMAGE_CHILDREN = {
    "image": frozenset({"title", "link", "description", "url", "width", "height"}),
    "textinput": frozenset({"title", "link", "description", "name"}),
}
"""Children that keep feedparser inside an ``image``/``textInput`` (any other clears its flag)."""

Entry = dict[str, Any]


def leaf(element: etree._Element) -> etree._Element:
    """The element, if it holds only text (a comment or child inside would split or change its text)."""
    if len(element):
        raise Declined(f"children in {element.tag}")
    return element


class FeedWalk:
    """One document's walk; ``feed`` and ``entries`` hold feedparser's values afterwards."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.title_depth = -1
        self.feed: dict[str, Any] = {}
        self.entries: list[Entry] = []

    def elements(self, parent: etree._Element) -> list[tuple[etree._Element, str]]:
        """The element children with their handler names (comments and PIs between elements do nothing)."""
        return [(child, self.names.of(child.tag)) for child in parent if isinstance(child.tag, str)]

    def feed_level(self, parent: etree._Element, depth: int, infeed: bool) -> None:
        """Children at ``depth`` outside any entry (``infeed``: inside ``channel``/``feed``)."""
        for child, name in self.elements(parent):
            if name in ("item", "entry"):
                self.entry(child, depth)
            elif name == "channel" and not infeed:
                if {"lastmod", "href"} & attributes(child.attrib).keys():
                    raise Declined("CDF channel")
                self.feed_level(child, depth + 1, True)
            elif name in TITLES:
                self.feed_title(leaf(child), name, depth, infeed)
            elif name in ("language", "dc_language"):
                self.feed["language"] = element_text(leaf(child).text)  # feedparser: the last one wins
            elif name in IMAGE_CHILDREN:
                self.image(child, name, depth)
            elif name in FEED_HARMLESS or name in LEAF_HARMLESS:
                leaf(child)
            elif name in CONTAINER_HARMLESS or self.unknown(name):
                self.feed_level(child, depth + 1, infeed)
            else:
                raise Declined(f"feed element {name}")

    def feed_title(self, element: etree._Element, name: str, depth: int, infeed: bool) -> None:
        check_text_type(attributes(element.attrib), "text/plain")
        value = element_text(element.text) if infeed else (element.text or "").strip()
        if infeed and not -1 < self.title_depth <= depth:
            self.feed["title"] = value
        if value and name != "media_title":
            self.title_depth = depth

    def image(self, element: etree._Element, name: str, depth: int) -> None:
        self.title_depth = -1
        for child, child_name in self.elements(element):
            if child_name not in IMAGE_CHILDREN[name]:
                raise Declined(f"{child_name} in {name}")
            text = (leaf(child).text or "").strip()
            if child_name == "title" and text:
                self.title_depth = depth + 1

    @staticmethod
    def unknown(name: str) -> bool:
        """An element feedparser has no handler for stores its text under its own name: harmless."""
        return name not in HANDLED_NAMES and name not in RESERVED_KEYS

    def entry(self, element: etree._Element, depth: int) -> None:
        attrs = attributes(element.attrib)
        if "lastmod" in attrs or "href" in attrs:
            raise Declined("CDF item")
        entry: Entry = {}
        self.entries.append(entry)
        self.title_depth = -1
        if attrs.get("rdf:about"):
            entry["id"] = attrs["rdf:about"]
        _EntryWalk(self, entry).children(element, depth + 1)


class _EntryWalk:
    """The elements of one entry, at any depth (containers such as ``media:group`` are transparent)."""

    def __init__(self, walk: FeedWalk, entry: Entry) -> None:
        self.walk = walk
        self.entry = entry
        self.depths: dict[str, int] = {}
        self.has_content = False

    def children(self, parent: etree._Element, depth: int) -> None:
        for child, name in self.walk.elements(parent):
            self.element(child, name, depth)

    def element(self, child: etree._Element, name: str, depth: int) -> None:
        read = _READERS.get(name)
        if read is not None:
            read(self, leaf(child), name, depth)
        elif name in LEAF_HARMLESS:
            leaf(child)
        elif name in CONTAINER_HARMLESS or self.walk.unknown(name):
            self.children(child, depth + 1)
        else:
            raise Declined(f"entry element {name}")

    def date(self, element: etree._Element, name: str, depth: int) -> None:
        key = "published_parsed" if name in PUBLISHED else "updated_parsed"
        self.entry[key] = _parse_date(element_text(element.text))

    def source(self, element: etree._Element, name: str, depth: int) -> None:
        """An RSS ``<source>`` (text only): its title is the source's, and the title depth starts over."""
        self.walk.title_depth = -1

    def store(self, key: str, value: Any, depth: int) -> None:
        """``pop``'s rule: a value read deeper than an earlier one of the same key does not replace it."""
        old = self.depths.get(key)
        if old is None or depth <= old:
            self.depths[key] = depth
            self.entry[key] = value

    def title(self, element: etree._Element, name: str, depth: int) -> None:
        check_text_type(attributes(element.attrib), "text/plain")
        value = element_text(element.text)
        if not -1 < self.walk.title_depth <= depth:
            self.store("title", value, depth)
        if value and name != "media_title":
            self.walk.title_depth = depth

    def link(self, element: etree._Element, name: str, depth: int) -> None:
        attrs = attributes(element.attrib)
        rel = attrs.setdefault("rel", "alternate")
        kind = attrs.setdefault("type", "application/atom+xml" if rel == "self" else "text/html")
        href = attrs.get("url", attrs.get("uri", attrs.get("href")))
        if href:
            attrs["href"] = href
        if "href" not in attrs:
            self.entry["link"] = link_text(element_text(element.text, resolve=True))
        elif rel == "alternate" and content_type(kind) in HTML_TYPES:
            self.entry["link"] = resolve(attrs["href"])

    def guid(self, element: etree._Element, name: str, depth: int) -> None:
        is_link = attributes(element.attrib).get("ispermalink", "true") == "true"
        value = element_text(element.text, resolve=is_link)
        self.store("id", value, depth)
        if is_link:
            self.entry.setdefault("link", value)

    def summary(self, element: etree._Element, name: str, depth: int) -> None:
        """A second summary or description (before any content) becomes content, as in feedparser."""
        if "summary" in self.entry and not self.has_content:
            self.content(element, "content", depth)
            return
        check_text_type(attributes(element.attrib), SUMMARIES[name])
        self.store("summary", element_text(element.text), depth)

    def content(self, element: etree._Element, name: str, depth: int) -> None:
        check_text_type(attributes(element.attrib), CONTENTS[name])
        self.has_content = True
        value = element_text(element.text)
        self.entry.setdefault("content", []).append({"value": value})
        self.entry.setdefault("summary", value)

    def origin(self, element: etree._Element, name: str, depth: int) -> None:
        """``feedburner:origLink``: with attributes feedparser keeps those instead of the text."""
        if element.attrib:
            self.entry["feedburner_origlink"] = dict(element.attrib)
        else:
            self.store("feedburner_origlink", element_text(element.text), depth)


_READERS: dict[str, Callable[[_EntryWalk, etree._Element, str, int], None]] = {
    **dict.fromkeys(TITLES, _EntryWalk.title),
    "link": _EntryWalk.link,
    "id": _EntryWalk.guid,
    "guid": _EntryWalk.guid,
    **dict.fromkeys(SUMMARIES, _EntryWalk.summary),
    **dict.fromkeys(CONTENTS, _EntryWalk.content),
    **dict.fromkeys(PUBLISHED | UPDATED, _EntryWalk.date),
    "feedburner_origlink": _EntryWalk.origin,
    "source": _EntryWalk.source,
}
"""The entry elements read, each a text-only element, by handler name."""
