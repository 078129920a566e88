"""Split a query into lexemes: words, quoted phrases, parentheses, operators and field prefixes.

Positions in errors count characters from 1, as a user would, in the stripped query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# Every way a query is refused: a stable code → its English message (``%(name)s`` placeholders). The chat
# translates by code (bot/chat/query_errors.py repeats these texts as msgids; a test keeps them equal).
MESSAGES: dict[str, str] = {
    "control_character": "control character at position %(position)s",
    "empty": "the query is empty",
    "too_long": "query too long (%(length)s > %(limit)s characters)",
    "too_many_terms": "too many terms (%(terms)s > %(limit)s)",
    "no_required_term": "a query needs at least one term that must appear",
    "unclosed_quote": "unclosed quote at position %(position)s",
    "unclosed_quote_after": 'unclosed quote after "%(word)s',
    "minus_needs_term": '"-" at position %(position)s needs a term right after it',
    "unknown_field": 'unknown field "%(field)s" at position %(position)s (known: title:, source:; '
    "put the text in quotes to search for it)",
    "title_needs_term": '"title:" at position %(position)s needs a term right after it',
    "source_needs_name": '"source:" at position %(position)s needs a feed name right after it',
    "unbalanced_parenthesis": "unbalanced parenthesis at position %(position)s",
    "operator_needs_terms": '"%(operator)s" needs a term on both sides',
    "needs_term_after": '"%(operator)s" at position %(position)s needs a term after it',
    "missing_term_at_end": "a term is missing at the end of the query",
    "nesting_too_deep": "nesting too deep (%(depth)s > %(limit)s)",
    "empty_parentheses": "empty parentheses at position %(position)s",
    "star_not_at_end": '"*" only works at the end of a word, e.g. alumin* '
    '(in "%(word)s" at position %(position)s)',
    "prefix_too_short": 'prefix "%(word)s" needs at least %(minimum)s letters before "*"',
    "nothing_to_search": "nothing to search for in %(term)s at position %(position)s "
    "(it has no letters or digits)",
}


class QueryError(ValueError):
    """An invalid query. ``str(err)`` is a plain English message; ``code`` (a key of ``MESSAGES``) and
    ``args_map`` (its named values, ``position`` included when known) let a caller word it in any language;
    ``position`` (from 1) says where, when known."""

    def __init__(self, code: str, position: int | None = None, **values: str | int) -> None:
        self.code = code
        self.position = position
        self.args_map: dict[str, str | int] = dict(values)
        if position is not None:
            self.args_map["position"] = position
        super().__init__(MESSAGES[code] % self.args_map)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.code, self.position, self.args_map))


def _rebuild(code: str, position: int | None, values: dict[str, str | int]) -> QueryError:
    """Unpickle a ``QueryError`` (its constructor does not take the message)."""
    return QueryError(code, position, **{k: v for k, v in values.items() if k != "position"})


class Kind(StrEnum):
    """What a lexeme is."""

    WORD = "word"
    PHRASE = "phrase"
    LPAREN = "("
    RPAREN = ")"
    OR = "OR"
    AND = "AND"
    NOT = "NOT"
    MINUS = "-"
    FIELD = "field"


@dataclass(frozen=True, slots=True)
class Lexeme:
    """One lexeme; ``index`` is its 0-based start in the query text."""

    kind: Kind
    text: str
    index: int


FIELDS = ("title", "source")
KEYWORDS = {"OR": Kind.OR, "AND": Kind.AND, "NOT": Kind.NOT}
# Full-width and typographic punctuation a CJK keyboard or a phone produces, mapped one to one.
_PUNCTUATION = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "＂": '"', "（": "(", "）": ")", "：": ":", "－": "-"}
)
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r'[^\s"()]*')


def lex(text: str) -> list[Lexeme]:
    """The lexemes of ``text``; raises ``QueryError`` on an unclosed quote or a bad field prefix."""
    text = text.translate(_PUNCTUATION)
    lexemes: list[Lexeme] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index = _SPACES.match(text, index).end()  # type: ignore[union-attr]
        elif char in "()":
            lexemes.append(Lexeme(Kind.LPAREN if char == "(" else Kind.RPAREN, char, index))
            index += 1
        elif char == '"':
            index = _phrase(text, index, lexemes)
        elif char == "-":
            _require_operand(text, index + 1, "minus_needs_term", index)
            lexemes.append(Lexeme(Kind.MINUS, "-", index))
            index += 1
        else:
            index = _word(text, index, lexemes)
    return lexemes


def _phrase(text: str, start: int, lexemes: list[Lexeme]) -> int:
    end = text.find('"', start + 1)
    if end < 0:
        following = text[start + 1 :].split()
        if not following:
            raise QueryError("unclosed_quote", start + 1)
        raise QueryError("unclosed_quote_after", start + 1, word=following[0][:30])
    lexemes.append(Lexeme(Kind.PHRASE, text[start + 1 : end], start))
    return end + 1


def _word(text: str, start: int, lexemes: list[Lexeme]) -> int:
    end = _WORD.match(text, start).end()  # type: ignore[union-attr]
    word = text[start:end]
    colon = word.find(":")
    if colon > 0 and word[:colon].isascii() and word[:colon].isalpha():
        name = word[:colon].lower()
        if name not in FIELDS:
            raise QueryError("unknown_field", start + 1, field=word[: colon + 1])
        code = "source_needs_name" if name == "source" else "title_needs_term"
        _require_operand(text, start + colon + 1, code, start)
        lexemes.append(Lexeme(Kind.FIELD, name, start))
        return start + colon + 1
    lexemes.append(Lexeme(KEYWORDS.get(word, Kind.WORD), word, start))
    return end


def _require_operand(text: str, index: int, code: str, start: int) -> None:
    """Raise ``code`` unless an operand starts right at ``index`` (``start``: the operator's own index)."""
    if index >= len(text) or text[index].isspace() or text[index] == ")":
        raise QueryError(code, start + 1)
