"""What a query sees of an item: the headline, and the body with the dateline place in front of it."""

from __future__ import annotations

from feeds.models import Item
from feeds.query import Document


def document_for(item: Item) -> Document:
    """The text a query sees: headline, and the body with the dateline place in front of it."""
    body = f"{item.dateline.place}\n{item.body}" if item.dateline.place else item.body
    return Document.from_parts(item.title, body, item.feed_name)
