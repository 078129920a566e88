"""Spans to bold in an alert summary: where a query's positive terms occur in a text."""

from __future__ import annotations

from feeds.query.document import TextField
from feeds.query.nodes import positive_terms
from feeds.query.query import Query


def highlight_spans(query: Query, text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans of ``text`` where the query's positive terms occur (for bolding)."""
    field = TextField(text)
    spans = sorted(
        field.span_of(start, len(term.tokens))
        for term in positive_terms(query.node)
        for start in field.occurrences(term.tokens, term.prefix)
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
