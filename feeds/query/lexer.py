"""Split a query into lexemes: words, quoted phrases, parentheses, operators and field prefixes.

Positions in errors count characters from 1, as a user would, in the stripped query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class QueryError(ValueError):
    """An invalid query. ``str(err)`` is a plain message; ``position`` (from 1) says where, when known."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


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
            _require_operand(
                text, index + 1, f'"-" at position {index + 1} needs a term right after it', index
            )
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
            raise QueryError(f"unclosed quote at position {start + 1}", start + 1)
        raise QueryError(f'unclosed quote after "{following[0][:30]}', start + 1)
    lexemes.append(Lexeme(Kind.PHRASE, text[start + 1 : end], start))
    return end + 1


def _word(text: str, start: int, lexemes: list[Lexeme]) -> int:
    end = _WORD.match(text, start).end()  # type: ignore[union-attr]
    word = text[start:end]
    colon = word.find(":")
    if colon > 0 and word[:colon].isascii() and word[:colon].isalpha():
        name = word[:colon].lower()
        if name not in FIELDS:
            raise QueryError(
                f'unknown field "{word[: colon + 1]}" at position {start + 1} (known: title:, source:; '
                f"put the text in quotes to search for it)",
                start + 1,
            )
        wanted = "a feed name" if name == "source" else "a term"
        message = f'"{name}:" at position {start + 1} needs {wanted} right after it'
        _require_operand(text, start + colon + 1, message, start)
        lexemes.append(Lexeme(Kind.FIELD, name, start))
        return start + colon + 1
    lexemes.append(Lexeme(KEYWORDS.get(word, Kind.WORD), word, start))
    return end


def _require_operand(text: str, index: int, message: str, start: int) -> None:
    """Raise unless an operand starts right at ``index`` (``start``: the operator's own index)."""
    if index >= len(text) or text[index].isspace() or text[index] == ")":
        raise QueryError(message, start + 1)
