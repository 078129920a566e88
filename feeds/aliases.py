"""Aliases across scripts: the Chinese words a Latin name may be the pinyin of, and a Chinese name's pinyin.

Pinyin is ambiguous ("binzhou" is 滨州, 彬州 and 宾州), so nothing here is applied silently: it lists
candidates, and the store attaches evidence (how many recent releases contain each one). Candidates are
**words**: Chinese text is segmented (``rjieba``, jieba's dictionary and algorithm in Rust), and a word
is kept when its standard pinyin (``feeds.pinyin``: pypinyin's readings in a shipped table, tones dropped,
syllables joined, case ignored) equals the term; a string straddling two words (宾舟 in 西宾|舟山) is never
one. A small gazetteer of China's provinces and prefecture-level divisions (``feeds/data/gazetteer_cn.csv``)
says what a name is. Segmentation and pinyin dictionaries are loaded once per process, on first use.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from feeds.pinyin import pinyin_table, syllable_chars
from feeds.query.normalize import normalize_text

MIN_LETTERS, MAX_LETTERS = 2, 40
MIN_HAN, MAX_HAN = 2, 12
MAX_TERM = 64
MAX_SYLLABLES = 8
_HAN_ONLY = re.compile("[\u4e00-\u9fff]+")
_LATIN_NAME = re.compile(r"[a-z]+(?:[ '’-][a-z]+)*")
_QUERY_SYNTAX = re.compile(r'["()*:“”（）：]|\bOR\b')


class AliasTermError(ValueError):
    """The text is not one name in one script; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class AliasTerm:
    """A name to find aliases for: ``key`` is its letters (Latin, lower case) or its folded characters."""

    text: str
    key: str
    latin: bool


@dataclass(frozen=True, slots=True)
class Place:
    """What the gazetteer knows about a name."""

    name: str
    kind: str
    province: str

    def describe(self) -> str:
        """E.g. ``prefecture-level city, Shandong`` or ``province``."""
        return f"{self.kind}, {self.province}" if self.province else self.kind


@dataclass(frozen=True, slots=True)
class Alias:
    """A candidate in the other script, with its evidence (stored releases containing it)."""

    text: str
    evidence: int
    place: Place | None = None


def parse_alias_term(text: str) -> AliasTerm:
    """One name in one script (``Binzhou``, ``Bin-zhou``, ``滨州``, ``濱州``); else ``AliasTermError``."""
    text = " ".join(text.split())
    if not text:
        raise AliasTermError("give one name, e.g. Binzhou or 滨州")
    if len(text) > MAX_TERM:
        raise AliasTermError(f"a name has at most {MAX_TERM} characters, this one has {len(text)}")
    if text.startswith(("-", "－")):
        raise AliasTermError("an exclusion is not a name: give the name itself, e.g. Binzhou")
    if _QUERY_SYNTAX.search(text):
        raise AliasTermError("give one name, not a query (no quotes, brackets, OR, * or field:)")
    folded = normalize_text(text)
    if _HAN_ONLY.fullmatch(folded):
        if len(folded) < MIN_HAN or len(folded) > MAX_HAN:
            raise AliasTermError(f"a Chinese name has {MIN_HAN} to {MAX_HAN} characters")
        return AliasTerm(text, folded, latin=False)
    if _LATIN_NAME.fullmatch(folded):
        letters = re.sub("[^a-z]", "", folded)
        if not MIN_LETTERS <= len(letters) <= MAX_LETTERS:
            raise AliasTermError(f"a Latin name has {MIN_LETTERS} to {MAX_LETTERS} letters")
        return AliasTerm(text, letters, latin=True)
    if _HAN_ONLY.search(folded) and re.search("[a-z]", folded):
        raise AliasTermError("one script at a time: a Chinese name (滨州) or a Latin one (Binzhou)")
    raise AliasTermError("a name is letters or Chinese characters only (no digits, emoji or signs)")


def pinyin_key(word: str) -> str:
    """Standard pinyin of a Chinese word, tones dropped, syllables joined, lower case (滨州 -> binzhou)."""
    return pinyin_table().key(word)


def display_pinyin(word: str) -> str:
    """The pinyin as a name is written in Latin script: ``Binzhou``."""
    return pinyin_key(word).capitalize()


def syllable_splits(key: str) -> list[tuple[str, ...]]:
    """Every way to read ``key`` as pinyin syllables (``xian`` -> ``xian``, ``xi an``), at most 8 each."""
    known = syllable_chars()
    splits: dict[int, list[tuple[str, ...]]] = {len(key): [()]}
    for start in range(len(key) - 1, -1, -1):
        found = [
            (key[start:end], *rest)
            for end in range(start + 1, min(len(key), start + 6) + 1)
            if key[start:end] in known
            for rest in splits.get(end, [])
            if len(rest) < MAX_SYLLABLES
        ]
        if found:
            splits[start] = found
    return splits.get(0, [])


def probe_pairs(key: str) -> list[str]:
    """Character pairs a Chinese word read as ``key`` starts with (the search index's CJK keys)."""
    known = syllable_chars()
    pairs = {
        first + second
        for split in syllable_splits(key)
        if len(split) >= 2
        for first in known[split[0]]
        for second in known[split[1]]
    }
    return sorted(pairs)


def segment(text: str) -> list[str]:
    """Words of Chinese text (search mode: a long word also gives the words inside it: 滨州市 -> 滨州).

    The segmenter's dictionary is loaded when its module is first imported (once per process)."""
    import rjieba

    return list(rjieba.cut_for_search(text))


def words_read_as(key: str, texts: Iterable[str]) -> Counter[str]:
    """Chinese words whose pinyin is ``key``, with how many of ``texts`` hold each one as a word."""
    known = syllable_chars()
    splits = syllable_splits(key)
    lengths = {len(split) for split in splits if len(split) >= 2}
    firsts = frozenset().union(*(known[split[0]] for split in splits)) if splits else frozenset()
    found: Counter[str] = Counter()
    for text in texts:
        words = {
            word
            for word in segment(normalize_text(text))
            if len(word) in lengths and word[0] in firsts and _HAN_ONLY.fullmatch(word)
        }
        found.update(word for word in words if pinyin_key(word) == key)
    return found


@cache
def gazetteer() -> dict[str, Place]:
    """Short name (simplified) -> place, from ``feeds/data/gazetteer_cn.csv``."""
    text = resources.files("feeds").joinpath("data", "gazetteer_cn.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return {row["name"]: Place(row["name"], row["kind"], row["province"]) for row in rows}


@cache
def _places_by_pinyin() -> dict[str, tuple[str, ...]]:
    by_key: dict[str, list[str]] = {}
    for name in gazetteer():
        by_key.setdefault(pinyin_key(name), []).append(name)
    return {key: tuple(names) for key, names in by_key.items()}


def places_read_as(key: str) -> tuple[str, ...]:
    """Gazetteer names whose pinyin is ``key``."""
    return _places_by_pinyin().get(key, ())


def ranked(aliases: Iterable[Alias]) -> list[Alias]:
    """Most evidence first; then known places; then by text. Without evidence or a place: dropped."""
    kept = [alias for alias in aliases if alias.evidence > 0 or alias.place is not None]
    return sorted(kept, key=lambda a: (-a.evidence, a.place is None, a.text))
