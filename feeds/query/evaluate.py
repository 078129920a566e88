"""Evaluate a node tree against a document: compiled once into closures, then called per document."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from feeds.query.document import Document, TextField
from feeds.query.nodes import And, Field, Node, Not, Or, Source, Term

Predicate = Callable[[Document], bool]


def compile_node(node: Node) -> Predicate:
    """A fast predicate equivalent to ``node``."""
    if isinstance(node, Term):
        return _compile_term(node)
    if isinstance(node, Source):
        name = node.name
        return lambda doc: name in doc.source
    if isinstance(node, Not):
        inner = compile_node(node.part)
        return lambda doc: not inner(doc)
    parts = tuple(compile_node(part) for part in node.parts)
    if isinstance(node, And):
        return lambda doc: all(part(doc) for part in parts)
    return lambda doc: any(part(doc) for part in parts)


def _compile_term(term: Term) -> Predicate:
    tokens, prefix = term.tokens, term.prefix
    if len(tokens) == 1 and not prefix:
        token = tokens[0]
        if term.field == Field.TITLE:
            return lambda doc: token in doc.title.token_set
        return lambda doc: token in doc.title.token_set or token in doc.body.token_set
    if term.field == Field.TITLE:
        return lambda doc: doc.title.contains(tokens, prefix)
    return lambda doc: doc.title.contains(tokens, prefix) or doc.body.contains(tokens, prefix)


def fields_of(term: Term, doc: Document) -> Iterator[tuple[str, TextField]]:
    """The document fields a term may match in, with their names."""
    yield "title", doc.title
    if term.field == Field.ANY:
        yield "body", doc.body


def evaluate(node: Node, doc: Document) -> bool:
    """Plain recursive evaluation (the compiled predicate is faster; this serves explanations)."""
    return compile_node(node)(doc)


def matched_terms(node: Node, doc: Document) -> Iterator[Term]:
    """Positive terms that make a true ``node`` true: all parts of an AND, the true branches of an OR."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, And):
        for part in node.parts:
            yield from matched_terms(part, doc)
    elif isinstance(node, Or):
        for part in node.parts:
            if evaluate(part, doc):
                yield from matched_terms(part, doc)
