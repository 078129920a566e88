"""Item identity: the feed's guid, else the canonical link, else a hash of the normalized title and body."""

from __future__ import annotations

import hashlib
import unicodedata

MAX_GUID_CHARS = 512
"""Longer guids are stored as ``guid:sha256:<hex>`` so the identity stays indexable."""


def _normalized(text: str) -> str:
    """NFKC, casefolded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def item_identity(guid: str | None, link: str | None, title: str, body: str) -> str:
    """A stable identity prefixed by its kind (``guid:``, ``link:``, ``hash:``); never depends on dates."""
    guid = guid.strip() if guid else ""
    if guid:
        if len(guid) > MAX_GUID_CHARS:
            return "guid:sha256:" + hashlib.sha256(guid.encode()).hexdigest()
        return "guid:" + guid
    link = link.strip() if link else ""
    if link:
        return "link:" + link
    content = f"{_normalized(title)}\n{_normalized(body)}"
    return "hash:" + hashlib.sha256(content.encode()).hexdigest()
