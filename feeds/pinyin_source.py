"""Where the alias pinyin table comes from: ``pypinyin``'s readings, tones dropped.

    .venv/bin/python -m feeds.pinyin_source > feeds/data/pinyin.tsv

Importing pypinyin costs a process ~57 MB (its character and phrase tables as Python objects), and aliases
need only toneless keys: so the running code reads a shipped table made here, and pypinyin is a test and
maintenance dependency. The table holds, for each ideograph of U+4E00–U+9FFF pypinyin knows, its toneless
readings (pypinyin's first one first: the reading of the character alone), and the phrases ``feeds.pinyin``
needs to give pypinyin's answer for every word of ``vocabulary()``: those whose toneless reading differs from
their characters' first readings, plus any same-reading phrase whose match decides a segmentation. A test
checks the shipped file equals what the installed pypinyin gives, and that every word reads the same.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

FIRST, LAST = 0x4E00, 0x9FFF
TONE_MARKS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuuuuuunnnm")


def toneless(reading: str) -> str:
    """``zhōu`` -> ``zhou``, ``lǚ`` -> ``lu``."""
    return reading.translate(TONE_MARKS).lower()


def char_readings() -> dict[str, list[str]]:
    """Ideograph -> its distinct toneless readings, pypinyin's first one first."""
    from pypinyin.pinyin_dict import pinyin_dict  # a test and maintenance dependency

    found: dict[str, list[str]] = {}
    for code, readings in sorted(pinyin_dict.items()):
        if FIRST <= code <= LAST:
            found[chr(code)] = list(dict.fromkeys(toneless(r) for r in readings.split(",")))
    return found


def reference_key(word: str) -> str:
    """pypinyin's own answer: standard pinyin, tones dropped, syllables joined, lower case."""
    from pypinyin import Style, lazy_pinyin

    return toneless("".join(lazy_pinyin(word, style=Style.TONE, v_to_u=True)))


def vocabulary() -> list[str]:
    """The words the table must read as pypinyin does: its phrases and the gazetteer's names (Han only)."""
    from pypinyin.phrases_dict import phrases_dict

    from feeds.aliases import gazetteer

    words = set(phrases_dict) | set(gazetteer())
    return sorted(w for w in words if len(w) >= 2 and all(FIRST <= ord(c) <= LAST for c in w))


def needed_phrases(words: Iterable[str]) -> dict[str, str]:
    """Phrase -> toneless reading: the phrases reading unlike their characters, then those that fix a
    word the table would otherwise read unlike pypinyin (its segmentation picks them), until none is left."""
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.seg.mmseg import seg

    from feeds.pinyin import PinyinTable

    chars = char_readings()
    first = {char: readings[0] for char, readings in chars.items()}
    phrases = {
        phrase: toneless("".join(r[0] for r in readings))
        for phrase, readings in phrases_dict.items()
        if all(FIRST <= ord(c) <= LAST for c in phrase)
    }
    kept = {p: key for p, key in phrases.items() if key != "".join(first.get(c, c) for c in p)}
    words = list(words)
    while True:
        table = PinyinTable.build(first.items(), kept)
        wrong = [w for w in words if table.key(w) != reference_key(w)]
        added = {p: phrases[p] for w in wrong for p in seg.cut(w) if p in phrases and p not in kept}
        if not added:
            if wrong:
                raise RuntimeError(f"{len(wrong)} words still read unlike pypinyin, e.g. {wrong[:5]}")
            return kept
        kept.update(added)


def table_text() -> str:
    """The shipped file: a comment naming the source, ``char<TAB>r1,r2`` lines, ``phrase<TAB>key`` lines."""
    import pypinyin

    lines = [f"# pypinyin {pypinyin.__version__} (MIT): toneless readings; phrases that change a word's key"]
    lines.extend(f"{char}\t{','.join(readings)}" for char, readings in char_readings().items())
    lines.extend(f"{phrase}\t{key}" for phrase, key in sorted(needed_phrases(vocabulary()).items()))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table_text())
