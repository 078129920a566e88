"""How a query was understood, in one line of plain text (shown back to the user on /subscribe)."""

from __future__ import annotations

from feeds.query.nodes import And, Field, Node, Not, Or, Source, Term


def describe(node: Node) -> str:
    """E.g. ``all of: "binzhou", "shandong"; none of: "aluminum"``."""
    return _describe(node, nested=False)


def _describe(node: Node, nested: bool) -> str:
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Source):
        return f'from feeds named like "{node.name}"'
    if isinstance(node, Not):
        return f"not {_describe(node.part, nested=True)}"
    if isinstance(node, Or):
        text = "any of: " + ", ".join(_describe(part, nested=True) for part in node.parts)
    else:
        text = _and(node)
    return f"({text})" if nested else text


def _term(term: Term) -> str:
    label = term.label()
    text = f'"{label}"'
    if term.prefix:
        text += " (prefix)"
    elif " " in label:
        text += " (phrase)"
    if term.field == Field.TITLE:
        text += " in title"
    return text


def _and(node: And) -> str:
    positives = [part for part in node.parts if isinstance(part, Term | And | Or)]
    negatives = [part.part for part in node.parts if isinstance(part, Not)]
    sources = [part for part in node.parts if isinstance(part, Source)]
    sections: list[str] = []
    if len(positives) == 1:
        sections.append(_describe(positives[0], nested=False))
    elif positives:
        sections.append("all of: " + ", ".join(_describe(part, nested=True) for part in positives))
    if negatives:
        sections.append("none of: " + ", ".join(_describe(part, nested=True) for part in negatives))
    sections.extend(_describe(source, nested=True) for source in sources)
    return "; ".join(sections)
