"""Toneless pinyin of Chinese words, from the shipped table ``feeds/data/pinyin.tsv``.

The table (made from pypinyin by ``feeds.pinyin_source``; a test checks it against the installed pypinyin)
holds each ideograph's toneless readings and the phrases whose reading changes a word's key. A word is read
as pypinyin reads it: forward maximum matching over those phrases, each other character by its first
reading. Loaded once per process, on first use, into compact shapes (a tuple indexed by code point, the
readings interned): ~2 MB where importing pypinyin costs ~55 MB.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

logger = logging.getLogger(__name__)

FIRST, LAST = 0x4E00, 0x9FFF
_VOWEL = re.compile("[aeiou]")


@dataclass(frozen=True, slots=True)
class PinyinTable:
    """``first[code - FIRST]``: a character's first toneless reading ("" unknown); ``phrases``: phrase ->
    toneless key; ``longest``: the longest phrase's length."""

    first: tuple[str, ...]
    phrases: dict[str, str]
    longest: int

    @classmethod
    def build(cls, first: Iterable[tuple[str, str]], phrases: dict[str, str]) -> PinyinTable:
        """From (character, first reading) pairs and phrase -> key."""
        readings = [""] * (LAST - FIRST + 1)
        for char, reading in first:
            readings[ord(char) - FIRST] = sys.intern(reading)
        return cls(tuple(readings), phrases, max(map(len, phrases), default=1))

    def key(self, word: str) -> str:
        """The word's pinyin, tones dropped, syllables joined (unknown characters stay as they are)."""
        parts: list[str] = []
        start = 0
        while start < len(word):
            end = next(
                (
                    stop
                    for stop in range(min(len(word), start + self.longest), start + 1, -1)
                    if word[start:stop] in self.phrases
                ),
                start + 1,
            )
            piece = word[start:end]
            parts.append(self.phrases[piece] if end - start > 1 else self._char(piece))
            start = end
        return "".join(parts)

    def _char(self, char: str) -> str:
        code = ord(char)
        return (self.first[code - FIRST] or char) if FIRST <= code <= LAST else char


def _rows() -> Iterator[tuple[str, str]]:
    """(character or phrase, readings or key), read line by line (no copy of the whole file is kept)."""
    with resources.files("feeds").joinpath("data", "pinyin.tsv").open(encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith("#"):
                name, _, value = line.rstrip("\n").partition("\t")
                yield name, value


@cache
def pinyin_table() -> PinyinTable:
    """The shipped table, read once per process (streamed into its compact shapes: no big temporaries)."""
    phrases = {name: key for name, key in _rows() if len(name) > 1}
    first = ((name, readings.partition(",")[0]) for name, readings in _rows() if len(name) == 1)
    table = PinyinTable.build(first, phrases)
    logger.debug("pinyin_table_loaded characters=%d phrases=%d", sum(map(bool, table.first)), len(phrases))
    return table


@cache
def syllable_chars() -> dict[str, frozenset[str]]:
    """Toneless syllable (with a vowel: not the interjections m, n, ng, hm) -> the common simplified
    characters with that reading (GB 2312 level 1: the 3,755 most used)."""
    chars: dict[str, set[str]] = {}
    for name, readings in _rows():
        if len(name) == 1 and _is_common(name):
            for syllable in readings.split(","):
                if _VOWEL.search(syllable):
                    chars.setdefault(sys.intern(syllable), set()).add(name)
    return {syllable: frozenset(found) for syllable, found in chars.items()}


def _is_common(char: str) -> bool:
    """In GB 2312's first level: the 3,755 most used characters (its second level adds 3,008 rarer ones)."""
    try:
        return char.encode("gb2312")[0] < 0xD8
    except UnicodeEncodeError:
        return False
