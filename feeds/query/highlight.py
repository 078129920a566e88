"""Spans to bold in an alert: where a query's positive terms occur in a text."""

from __future__ import annotations

from collections.abc import Sequence

from feeds.query.document import TextField
from feeds.query.nodes import Term, positive_terms
from feeds.query.query import Query


def _term_spans(terms: Sequence[Term], field: TextField) -> list[tuple[int, int]]:
    return sorted(
        field.span_of(start, len(term.tokens))
        for term in terms
        for start in field.occurrences(term.tokens, term.prefix)
    )


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight_spans(query: Query, text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans of ``text`` where the query's positive terms occur (for bolding)."""
    return _merged(_term_spans(positive_terms(query.node), TextField(text)))


def unshown_spans(query: Query, shown: Sequence[str], text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` where those positive terms occur that occur in none of the ``shown`` texts."""
    shown_fields = [TextField(part) for part in shown]
    hidden = [
        term
        for term in positive_terms(query.node)
        if not any(field.contains(term.tokens, term.prefix) for field in shown_fields)
    ]
    return _merged(_term_spans(hidden, TextField(text))) if hidden else []
