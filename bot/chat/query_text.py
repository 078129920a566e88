"""How the chat words queries in the chat's language: why one is refused, and how one was understood.

``feeds.query`` stays free of translations: a ``QueryError`` carries a stable ``code`` and named values
(``args_map``), and ``describe`` walks the query's node tree. The English msgids here are exactly the
texts ``feeds.query`` writes (tests/test_i18n_query.py keeps them equal).
"""

from __future__ import annotations

from html import escape

from bot.chat.i18n import N_, Translator
from feeds.query import Query, QueryError
from feeds.query.nodes import And, Field, Node, Not, Or, Source, Term

QUERY_ERRORS: dict[str, str] = {
    "control_character": N_("control character at position %(position)s"),
    "empty": N_("the query is empty"),
    "too_long": N_("query too long (%(length)s > %(limit)s characters)"),
    "too_many_terms": N_("too many terms (%(terms)s > %(limit)s)"),
    "no_required_term": N_("a query needs at least one term that must appear"),
    "unclosed_quote": N_("unclosed quote at position %(position)s"),
    "unclosed_quote_after": N_('unclosed quote after "%(word)s'),
    "minus_needs_term": N_('"-" at position %(position)s needs a term right after it'),
    "unknown_field": N_(
        'unknown field "%(field)s" at position %(position)s (known: title:, source:; '
        "put the text in quotes to search for it)"
    ),
    "title_needs_term": N_('"title:" at position %(position)s needs a term right after it'),
    "source_needs_name": N_('"source:" at position %(position)s needs a feed name right after it'),
    "unbalanced_parenthesis": N_("unbalanced parenthesis at position %(position)s"),
    "operator_needs_terms": N_('"%(operator)s" needs a term on both sides'),
    "needs_term_after": N_('"%(operator)s" at position %(position)s needs a term after it'),
    "missing_term_at_end": N_("a term is missing at the end of the query"),
    "nesting_too_deep": N_("nesting too deep (%(depth)s > %(limit)s)"),
    "empty_parentheses": N_("empty parentheses at position %(position)s"),
    "star_not_at_end": N_(
        '"*" only works at the end of a word, e.g. alumin* (in "%(word)s" at position %(position)s)'
    ),
    "prefix_too_short": N_('prefix "%(word)s" needs at least %(minimum)s letters before "*"'),
    "nothing_to_search": N_(
        "nothing to search for in %(term)s at position %(position)s (it has no letters or digits)"
    ),
}


def query_error_text(error: QueryError, t: Translator) -> str:
    """Why a query was refused, in ``t``'s language, HTML-escaped (the user's words included)."""
    message = QUERY_ERRORS.get(error.code)
    if message is None:  # a code this version of the chat does not know yet: the English text
        return escape(str(error), quote=False)
    values = {name: escape(str(value), quote=False) for name, value in error.args_map.items()}
    return t.gettext(message, **values)


def describe(query: Query, t: Translator) -> str:
    """How a query was understood, in one line of plain text (``Query.describe`` in ``t``'s language)."""
    return _describe(query.node, t, nested=False)


def _describe(node: Node, t: Translator, nested: bool) -> str:
    if isinstance(node, Term):
        return _term(node, t)
    if isinstance(node, Source):
        return t.gettext('from feeds named like "%(name)s"', name=node.name)
    if isinstance(node, Not):
        return t.gettext("not %(part)s", part=_describe(node.part, t, nested=True))
    if isinstance(node, Or):
        parts = t.join_list(_describe(part, t, nested=True) for part in node.parts)
        text = t.gettext("any of: %(parts)s", parts=parts)
    else:
        assert isinstance(node, And)
        text = _and(node, t)
    return (f"（{text}）" if t.full_width else f"({text})") if nested else text


def _term(term: Term, t: Translator) -> str:
    label = term.label()
    if term.prefix:
        text = t.gettext('"%(term)s" (prefix)', term=label)
    elif " " in label:
        text = t.gettext('"%(term)s" (phrase)', term=label)
    else:
        text = t.gettext('"%(term)s"', term=label)
    if term.field == Field.TITLE:
        text = t.gettext("%(term)s in title", term=text)
    return text


def _and(node: And, t: Translator) -> str:
    positives = [part for part in node.parts if isinstance(part, Term | And | Or)]
    negatives = [part.part for part in node.parts if isinstance(part, Not)]
    sources = [part for part in node.parts if isinstance(part, Source)]
    sections: list[str] = []
    if len(positives) == 1:
        sections.append(_describe(positives[0], t, nested=False))
    elif positives:
        parts = t.join_list(_describe(part, t, nested=True) for part in positives)
        sections.append(t.gettext("all of: %(parts)s", parts=parts))
    if negatives:
        parts = t.join_list(_describe(part, t, nested=True) for part in negatives)
        sections.append(t.gettext("none of: %(parts)s", parts=parts))
    sections.extend(_describe(source, t, nested=True) for source in sources)
    return t.join_sections(sections)
