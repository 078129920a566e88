"""Evaluate a node tree against a document: compiled once into closures, then called per document.

Compilation folds what set operations can decide into one C-level test: the simple terms of an AND become
``required <= doc.keys``, its simple exclusions ``forbidden.isdisjoint(doc.keys)``, the simple branches of an
OR ``not branches.isdisjoint(doc.keys)``; only phrases, prefixes, title and source terms stay closures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from feeds.query.document import Document, TextField
from feeds.query.nodes import And, Field, Node, Not, Or, Source, Term
from feeds.query.normalize import is_cjk
from feeds.query.shared import key_set

Predicate = Callable[[Document], bool]
_ANY = Field.ANY


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
    if isinstance(node, And):
        return _compile_and(node.parts)
    return _compile_or(node.parts)


def _compile_and(parts: Sequence[Node]) -> Predicate:
    required, forbidden, rest = split_and(parts)
    checks = [compile_node(part) for part in rest]
    if forbidden:
        checks.insert(0, lambda doc: forbidden.isdisjoint(doc.keys))
    if len(required) == 1:
        (key,) = required
        checks.insert(0, lambda doc: key in doc.keys)
    elif required:
        checks.insert(0, lambda doc: required <= doc.keys)
    return all_of(checks)


def _compile_or(parts: Sequence[Node]) -> Predicate:
    keys = key_set([key for key in map(_any_field_key, parts) if key is not None])
    checks = [compile_node(part) for part in parts if _any_field_key(part) is None]
    if keys:
        checks.insert(0, lambda doc: not keys.isdisjoint(doc.keys))
    return any_of(checks)


def split_and(parts: Sequence[Node]) -> tuple[frozenset[str], frozenset[str], list[Node]]:
    """The keys of an AND's simple terms, the keys of its simple exclusions, and its other parts."""
    required: list[str] = []
    forbidden: list[str] = []
    rest: list[Node] = []
    for part in parts:
        if isinstance(part, Term):
            if part.field is _ANY and (key := simple_key(part)) is not None:
                required.append(key)
                continue
        elif isinstance(part, Not):
            inner = part.part
            if isinstance(inner, Term) and inner.field is _ANY and (key := simple_key(inner)) is not None:
                forbidden.append(key)
                continue
        rest.append(part)
    return key_set(required), key_set(forbidden), rest


def all_of(checks: Sequence[Predicate]) -> Predicate:
    """One predicate true when every check is (in order, stopping at the first false one)."""
    if len(checks) == 1:
        return checks[0]
    first, rest = checks[0], all_of(checks[1:])
    return lambda doc: first(doc) and rest(doc)


def any_of(checks: Sequence[Predicate]) -> Predicate:
    """One predicate true when some check is (in order, stopping at the first true one)."""
    if len(checks) == 1:
        return checks[0]
    first, rest = checks[0], any_of(checks[1:])
    return lambda doc: first(doc) or rest(doc)


def _any_field_key(node: Node) -> str | None:
    return simple_key(node) if isinstance(node, Term) and node.field is _ANY else None


def _compile_term(term: Term) -> Predicate:
    tokens, prefix = term.tokens, term.prefix
    key = simple_key(term)
    if key is not None:
        if term.field == Field.TITLE:
            return lambda doc: key in doc.title.keys
        return lambda doc: key in doc.keys
    if term.field == Field.TITLE:
        return lambda doc: doc.title.contains(tokens, prefix)
    if prefix and len(tokens) == 1:
        head = tokens[0]
        return lambda doc: doc.has_prefix(head)
    needed = tokens[:-1] if prefix else tokens  # every one of these is a token of any match
    return lambda doc: (
        all(token in doc.keys for token in needed)
        and (doc.title.contains(tokens, prefix) or doc.body.contains(tokens, prefix))
    )


def simple_key(term: Term) -> str | None:
    """The one key whose presence in a field's keys is exactly a match of ``term``, if there is one.

    A single word or CJK character is a token; two CJK characters are a CJK pair (consecutive CJK tokens)."""
    tokens = term.tokens
    if term.prefix:
        return None
    if len(tokens) == 1:
        return tokens[0]
    if len(tokens) == 2 and is_cjk(tokens[0]) and is_cjk(tokens[1]):
        return tokens[0] + tokens[1]
    return None


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
