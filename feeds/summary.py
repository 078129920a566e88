"""A short summary: the first sentences of a body, cut at a sentence or word boundary."""

from __future__ import annotations

import re

ELLIPSIS = "…"

_ABBREVIATIONS = frozenset(
    [
        "inc",
        "co",
        "corp",
        "ltd",
        "llc",
        "plc",
        "no",
        "nos",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "gen",
        "gov",
        "sen",
        "rep",
        "rev",
        "vs",
        "etc",
        "approx",
        "dept",
        "est",
        "fig",
        "vol",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "ph.d",
    ]
)
_END_MARK = re.compile(r"(?=[.!?。！？])(?:[.!?]+[\"'”’)\]]*(?=\s|\Z)|[。！？]+[”’」』）)]*)")
"""A run of sentence-ending marks; the leading lookahead lets the regex engine skip to candidates (~2.5x)."""
_NEXT_SENTENCE = re.compile(r"\s+[\"'“‘(\[]?[^\s\w]?[A-Z0-9\u3040-\u9fff]")
_MIN_SENTENCE_SHARE = 0.4
"""Prefer a cut mid-sentence (with "…") over keeping less than this share of ``max_chars``."""


def _is_sentence_end(text: str, start: int, end: int) -> bool:
    """Whether the mark at ``text[start:end]`` ends a sentence: a capital (or the end) follows and the word
    before a single period is no abbreviation or initial."""
    if text[start] in "。！？":
        return True
    if end < len(text) and not _NEXT_SENTENCE.match(text, end):
        return False
    if text[start:end].rstrip("\"'”’)]") != ".":
        return True
    word = text[text.rfind(" ", 0, start) + 1 : start].lstrip("(\"'“‘[").casefold()
    return word not in _ABBREVIATIONS and not (len(word) == 1 and word.isalpha())


def _sentence_cut(text: str, max_chars: int) -> int:
    """Index just past the last sentence end within ``max_chars``, or 0."""
    best = 0
    for match in _END_MARK.finditer(text, 0, max_chars + 1):  # a mark ending later is past the limit anyway
        if match.end() > max_chars:
            break
        if _is_sentence_end(text, match.start(), match.end()):
            best = match.end()
    return best


def _word_cut(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary before ``limit`` (a character boundary if none), with "…"."""
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    return text[:cut].rstrip(" ,;:-–—([{\"'“‘") + ELLIPSIS


def summarize(body: str, max_chars: int = 400) -> str:
    """The first sentences of ``body`` (one line), at most ``max_chars`` characters including a final "…"."""
    text = " ".join(body[: max_chars * 2].split())
    if len(text) <= max_chars and len(body) <= max_chars * 2:
        return text
    end = _sentence_cut(text, max_chars)
    if end >= max_chars * _MIN_SENTENCE_SHARE:
        return text[:end].rstrip()
    return _word_cut(text, max_chars - len(ELLIPSIS))
