"""Parse the common query shapes without the general lexer and parser, to the very same node trees.

Watch lists are mostly plain words (``Binzhou``), several of them (``Binzhou Shandong``), exclusions
(``Binzhou -sports``), prefixes (``alumin*``), alternatives (``(Binzhou OR Dongying) Shandong``,
``aluminium OR aluminum``) or one quoted phrase (``"Weiqiao Pioneering"``). Anything else, and anything
invalid (so the error message and position come from the general parser), is left to ``parser.parse``:
``shortcut`` then returns None. Tests check that whatever ``shortcut`` returns, ``parse`` returns too.
"""

from __future__ import annotations

import re

from feeds.query.lexer import KEYWORDS, Kind, Lexeme, QueryError
from feeds.query.nodes import And, Node, Not, Or, Term
from feeds.query.normalize import HAN_STABLE
from feeds.query.parser import MIN_PREFIX, make_term
from feeds.query.shared import memoized
from feeds.script_fold import fold_script

# A bare word: none of the characters the lexer treats specially (nor their full-width forms), an
# optional trailing "*". A leading "-" (exclusion) is handled apart.
_WORD = re.compile(r'[^\s"()*:“”„＂（）：－]+\*?')
_HAN = re.compile(f"[{HAN_STABLE}]+")
_PHRASE = re.compile(r'"[^"“”„＂（）：－]*"')


class _Unsupported(Exception):
    """The text is not one of the shapes handled here."""


def shortcut(text: str) -> Node | None:
    """The node tree of ``text`` (stripped, non-empty) when it has a common shape, else None."""
    try:
        if text[0] == '"':
            return _phrase(text)
        return _conjunction(text.split())
    except (QueryError, _Unsupported):
        return None


def _phrase(text: str) -> Node | None:
    if _PHRASE.fullmatch(text) is None:
        return None
    return make_term(Lexeme(Kind.PHRASE, text[1:-1], 0))


def _conjunction(words: list[str]) -> Node:
    """Units side by side (AND); a unit is atoms joined by ``OR``."""
    parts: list[Node] = []
    at, count = 0, len(words)
    while at < count:
        node, at = _atom(words, at)
        if at + 1 < count and words[at] == "OR":
            branches = [node]
            while at + 1 < count and words[at] == "OR":
                node, at = _atom(words, at + 1)
                branches.append(node)
            node = _join_or(branches)
        parts.append(node)
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _atom(words: list[str], at: int) -> tuple[Node, int]:
    """A word, an excluded word, or a parenthesized ``a OR b OR c`` of words; and where the next starts."""
    word = words[at]
    if word[0] == "-":
        return Not(_term(word[1:])), at + 1
    if word[0] != "(":
        return _term(word), at + 1
    end = at
    while not words[end].endswith(")"):
        end += 1
        if end == len(words):
            raise _Unsupported
    inner = words[at : end + 1]
    inner[0] = inner[0][1:]
    inner[-1] = inner[-1][:-1]
    if len(inner) % 2 == 0 or any(word != "OR" for word in inner[1::2]):
        raise _Unsupported
    return _join_or([_term(word) for word in inner[::2]]), end + 1


def _join_or(branches: list[Node]) -> Node:
    flat: list[Node] = []
    for branch in branches:
        flat.extend(branch.parts if isinstance(branch, Or) else (branch,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _term(word: str) -> Term:
    if not word or word in KEYWORDS:
        raise _Unsupported
    term = _ascii_term(word.lower()) if word.isascii() else _han_term(word)
    if term is not None:
        return term
    if _WORD.fullmatch(word) is None or word[0] == "-":
        raise _Unsupported
    return make_term(Lexeme(Kind.WORD, word, 0))


def _make_han_term(word: str) -> Term | None:
    """``make_term`` for a run of CJK unified ideographs (normalizing only folds their script)."""
    return Term(tuple(fold_script(word))) if _HAN.fullmatch(word) is not None else None


def _make_ascii_term(word: str) -> Term | None:
    """``make_term`` for ASCII letters and digits, maybe with a trailing ``*`` (normalizing is lower())."""
    if word.isalnum():
        return Term((word.lower(),))
    stem = word[:-1]
    if word[-1:] == "*" and len(stem) >= MIN_PREFIX and stem.isalnum():
        return Term((stem.lower(),), prefix=True)
    return None


# the same word in many queries is one shared Term (terms are immutable)
_ascii_term = memoized({}, _make_ascii_term)
_han_term = memoized({}, _make_han_term)
