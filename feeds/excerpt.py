"""The matched sentence: the sentence around a match the alert does not otherwise show, cut to fit.

Pure text work: the caller gives the text and the match spans (``feeds.query.unshown_spans``); this finds
the sentence around the first span, cuts it to ``limit`` characters at word boundaries (or between any two
CJK characters) with ``…`` where text was dropped, and returns the spans that fall inside, shifted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from feeds.query.normalize import CJK_CHAR

SENTENCE_LIMIT = 200
ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"[.!?](?=\s)|[。！？；]|\n")
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A cut of a text and the match spans inside it (relative to ``text``)."""

    text: str
    spans: tuple[Span, ...]


def _sentence_bounds(text: str, at: int, end: int) -> Span:
    """Start and end of the sentence holding ``text[at:end]``."""
    start = 0
    for found in _SENTENCE_END.finditer(text, 0, at):
        start = found.end()
    after = _SENTENCE_END.search(text, end)
    return start, after.end() if after else len(text)


def _is_break(text: str, index: int) -> bool:
    """Whether a cut between ``text[index - 1]`` and ``text[index]`` splits no word."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    return before.isspace() or after.isspace() or bool(CJK_CHAR.match(before) or CJK_CHAR.match(after))


def _window(text: str, start: int, end: int, first: Span, room: int) -> Span:
    """A cut of ``text[start:end]`` of at most ``room`` characters holding ``first``, at breaks."""
    before = max(0, (room - (first[1] - first[0])) // 3)  # a third of the spare room goes before the match
    left = max(start, first[1] - room, first[0] - before)
    right = min(end, left + room)
    left = max(start, min(left, right - room))
    while left > start and left < first[0] and not _is_break(text, left):
        left += 1
    while right < end and right > first[1] and not _is_break(text, right):
        right -= 1
    return left, right


def matched_sentence(text: str, spans: Sequence[Span], limit: int = SENTENCE_LIMIT) -> Excerpt | None:
    """The sentence of ``text`` around the first of ``spans``, at most ``limit`` characters; None: no span.

    Cut ends get ``…``; a word is never split, CJK text may be cut between any two characters."""
    ordered = sorted(span for span in spans if 0 <= span[0] < span[1] <= len(text))
    if not ordered:
        return None
    first = ordered[0]
    start, end = _sentence_bounds(text, *first)
    head = tail = ""
    if end - start > limit:
        left, right = _window(text, start, end, first, limit - 2)
        head, tail = ELLIPSIS if left > start else "", ELLIPSIS if right < end else ""
        start, end = left, right
    while start < first[0] and text[start].isspace():
        start += 1
    while end > first[1] and text[end - 1].isspace():
        end -= 1
    shift = start - len(head)
    inside = tuple((a - shift, b - shift) for a, b in ordered if a >= start and b <= end)
    return Excerpt(head + text[start:end].replace("\n", " ") + tail, inside)
