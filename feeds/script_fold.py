"""Traditional Chinese folded to simplified, character by character, for matching (never for display).

The table (``feeds/data/ts_characters.tsv``) is OpenCC's ``TSCharacters`` dictionary, one character to one
character (``feeds.script_fold_source`` makes it), read once per process on first use. Each entry maps one
character to one character, so folded text keeps the original's offsets; the table is closed under itself
(folding twice is folding once). Folding is many-to-one (後 and 后 both become 后); see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

logger = logging.getLogger(__name__)

_ASTRAL_HAN = re.compile("[\U00020000-\U0003134f]")


@dataclass(frozen=True, slots=True)
class _Fold:
    """The folding, shaped for speed: ``str.translate`` indexes ``bmp`` (one character per code point below
    U+10000: a string index costs less than a dict lookup) and leaves higher code points to ``astral``;
    ``changes`` finds a BMP character that folds (one fast scan spares the translation of simplified text)."""

    bmp: str
    astral: dict[int, str]
    changes: re.Pattern[str]


def shipped_pairs() -> dict[str, str]:
    """The shipped table: traditional character -> simplified character."""
    text = resources.files("feeds").joinpath("data", "ts_characters.tsv").read_text(encoding="utf-8")
    return dict(line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))


@cache
def _fold_table() -> _Fold:
    pairs = shipped_pairs()
    bmp = list(map(chr, range(0x10000)))
    for old, new in pairs.items():
        if ord(old) < 0x10000:
            bmp[ord(old)] = new
    astral = {ord(old): new for old, new in pairs.items() if ord(old) >= 0x10000}
    changes = re.compile("[{}]".format("".join(sorted(old for old in pairs if ord(old) < 0x10000))))
    logger.debug("script_fold_table_loaded characters=%d", len(pairs))
    return _Fold("".join(bmp), astral, changes)


def fold_script(text: str) -> str:
    """``text`` with each traditional Chinese character replaced by its simplified form (same length)."""
    if text.isascii():
        return text
    fold = _fold_table()
    astral = _ASTRAL_HAN.search(text) is not None  # asked before: some BMP characters fold to astral ones
    if fold.changes.search(text) is not None:
        text = text.translate(fold.bmp)  # code points past the table's end are left as they are
    return text.translate(fold.astral) if astral else text
