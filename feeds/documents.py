"""What a query sees of an item (one rule for matching, /recent and trend counts)."""

from __future__ import annotations

from feeds.models import Item
from feeds.query import Document
from feeds.search import item_document


def document_for(item: Item) -> Document:
    """The text a query sees: headline, and the body with the dateline place in front of it."""
    return item_document(item)
