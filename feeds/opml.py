"""OPML 1.0/2.0 import and OPML 2.0 export of feed lists.

Parsing uses defusedxml: a document type declaration (and so any entity, internal or external) is refused,
and the document is capped at 1 MB and 1,000 outlines before anything else is done with it. Outlines nest
(folders); every outline with an ``xmlUrl`` is a feed, named by its ``title``, else its ``text``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

MAX_BYTES = 1_000_000
MAX_OUTLINES = 1_000


class OpmlError(ValueError):
    """The document is not an OPML file we accept; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed of an OPML list: its name (title or text, may be empty) and its feed URL."""

    title: str
    url: str


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds of an OPML document in document order; ``OpmlError`` for anything else."""
    if len(data) > MAX_BYTES:
        raise OpmlError(f"OPML file too large: {len(data):,} bytes, at most {MAX_BYTES:,}")
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise OpmlError(f"OPML refused: {type(exc).__name__} (no DTD or entities allowed)") from None
    except ParseError as exc:
        raise OpmlError(f"not well-formed XML: {exc}") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"not OPML: the root element is <{_local(root.tag)}>, expected <opml>")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError("not OPML: no <body> element")
    outlines = [el for el in body.iter() if _local(el.tag) == "outline"]
    if len(outlines) > MAX_OUTLINES:
        raise OpmlError(f"OPML file has {len(outlines):,} outlines, at most {MAX_OUTLINES:,}")
    feeds: list[OpmlFeed] = []
    for outline in outlines:
        attrs = {key.lower(): value for key, value in outline.attrib.items()}
        url = attrs.get("xmlurl", "").strip()
        if url:
            title = " ".join((attrs.get("title") or attrs.get("text") or "").split())
            feeds.append(OpmlFeed(title, url))
    return feeds


def _local(tag: object) -> str:
    """An element's name without a namespace."""
    return str(tag).rpartition("}")[2]


def export_opml(
    feeds: Sequence[OpmlFeed], title: str = "Wirewatch feeds", now: datetime | None = None
) -> bytes:
    """An OPML 2.0 document listing ``feeds`` (UTF-8, with an XML declaration)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        ET.SubElement(body, "outline", type="rss", text=feed.title, title=feed.title, xmlUrl=feed.url)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
