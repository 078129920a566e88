"""Why an item matched: the matched terms with their spans (``feeds.query.highlight`` bolds them)."""

from __future__ import annotations

from dataclasses import dataclass


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
