"""The parsed form of a query: a small tree of frozen nodes over normalized tokens."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from feeds.query.normalize import display


class Field(StrEnum):
    """Where a term may match."""

    ANY = "any"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class Term:
    """Tokens that must appear consecutively (separators between them ignored).

    ``prefix``: the last token matches any word starting with it."""

    tokens: tuple[str, ...]
    field: Field = Field.ANY
    prefix: bool = False

    def label(self) -> str:
        """The normalized term as shown to users, e.g. ``weiqiao pioneering`` or ``alumin*``."""
        return display(self.tokens) + ("*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class Source:
    """The item's feed name contains ``name`` (both as normalized, space-joined tokens)."""

    name: str


@dataclass(frozen=True, slots=True)
class And:
    """Every part matches."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part matches."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not match."""

    part: Node


Node = Term | Source | And | Or | Not


def positive_terms(node: Node) -> list[Term]:
    """Terms that must or may appear (not under a negation), in query order."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, And | Or):
        return [term for part in node.parts for term in positive_terms(part)]
    return []
