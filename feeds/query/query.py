"""A parsed, validated subscription query."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from feeds.invisible import first_control, strip_hidden
from feeds.query.anchors import anchor_options
from feeds.query.describe import describe
from feeds.query.document import Document
from feeds.query.evaluate import Predicate, compile_node, fields_of, matched_terms
from feeds.query.explain import Explanation, MatchedTerm
from feeds.query.lexer import QueryError
from feeds.query.nodes import Node, positive_terms
from feeds.query.parser import count_terms, parse
from feeds.query.shortcut import shortcut

MAX_LENGTH = 512
MAX_TERMS = 32


@dataclass(frozen=True, slots=True)
class Query:
    """An immutable query: the text as typed (stripped), its tree and its index anchors.

    ``anchor_options``: alternative sets of index keys, one of each set appearing in every match, best first.
    (Slots keep the 100k queries of a big index small; the predicate is compiled on first use.)
    """

    text: str
    node: Node
    anchor_options: tuple[frozenset[str], ...]
    _compiled: Predicate | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def anchors(self) -> frozenset[str]:
        """The statically best anchor set."""
        return self.anchor_options[0]

    @property
    def predicate(self) -> Predicate:
        """The compiled test behind ``matches``, compiled on first use (the index rarely needs it)."""
        compiled = self._compiled
        if compiled is None:
            compiled = compile_node(self.node)
            object.__setattr__(self, "_compiled", compiled)  # a cache: the query stays a value
        return compiled

    def describe(self) -> str:
        """How the query was understood, one line of plain text."""
        return describe(self.node)

    def matches(self, doc: Document) -> bool:
        """Whether the document matches."""
        return self.predicate(doc)

    def explain(self, doc: Document) -> Explanation | None:
        """Which terms matched, where, with spans in the original field text; None when no match."""
        if not self.predicate(doc):
            return None
        found: dict[tuple[str, str], MatchedTerm] = {}
        for term in matched_terms(self.node, doc):
            for name, text_field in fields_of(term, doc):
                spans = tuple(
                    text_field.span_of(start, len(term.tokens))
                    for start in text_field.occurrences(term.tokens, term.prefix)
                )
                if spans and (term.label(), name) not in found:
                    found[term.label(), name] = MatchedTerm(term.label(), name, spans)
        return Explanation(tuple(found.values()))

    def positive_terms(self) -> tuple[str, ...]:
        """Normalized positive terms and phrases (not excluded ones), in query order, for display."""
        return tuple(dict.fromkeys(term.label() for term in positive_terms(self.node)))


_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")


def parse_query(text: str) -> Query:
    """Parse and validate a query; raises ``QueryError`` with a plain message saying what and where.

    Control characters are refused; invisible format characters are dropped, as from feed text; tabs and
    line breaks (NEL and the Unicode separators included) become spaces, so the stored text holds none."""
    text = text.strip()
    if (control := first_control(text)) is not None:
        raise QueryError("control_character", control + 1)
    text = _BREAKS.sub(" ", strip_hidden(text)).strip()
    if not text:
        raise QueryError("empty")
    if len(text) > MAX_LENGTH:
        raise QueryError("too_long", length=len(text), limit=MAX_LENGTH)
    node = shortcut(text) or parse(text)
    terms = count_terms(node)
    if terms > MAX_TERMS:
        raise QueryError("too_many_terms", terms=terms, limit=MAX_TERMS)
    options = anchor_options(node)
    if not options:
        raise QueryError("no_required_term")
    return Query(text, node, options)
