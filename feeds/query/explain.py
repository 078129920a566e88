"""Why an item matched: matched terms with their spans, and spans to bold in an alert summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from feeds.query.document import TextField
from feeds.query.nodes import positive_terms

if TYPE_CHECKING:
    from feeds.query.query import Query


@dataclass(frozen=True, slots=True)
class MatchedTerm:
    """A positive term found in a field (``"title"`` or ``"body"``), with spans in the ORIGINAL field text."""

    term: str
    field: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """The terms that made a query match."""

    terms: tuple[MatchedTerm, ...]

    def summary(self) -> str:
        """E.g. ``binzhou (title, body), weiqiao pioneering (body)`` for a "matched: ..." line."""
        fields: dict[str, list[str]] = {}
        for matched in self.terms:
            fields.setdefault(matched.term, []).append(matched.field)
        return ", ".join(f"{term} ({', '.join(names)})" for term, names in fields.items())


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
