"""Traditional Chinese folded to simplified, character by character, for matching (never for display).

The table is OpenCC's ``TSCharacters`` dictionary (the maintained character table of BYVoid/OpenCC, shipped
in the ``opencc`` wheel) read once per process on first use: every ideograph is converted on its own with a
configuration holding that dictionary only (no phrase tables), and the first candidate kept. Each entry maps
one character to one character, so folded text has the original's offsets. The table is closed under itself
(folding twice is folding once). Folding is many-to-one (後 and 后 both become 后); see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

_IDEOGRAPHS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x31350))
_ASTRAL_HAN = re.compile("[\U00020000-\U0003134f]")


def _opencc_ts_characters() -> dict[str, str]:
    """OpenCC's TSCharacters: traditional character -> its first simplified candidate (changed ones only)."""
    import opencc  # a C++ extension: loaded only by a process that folds Chinese text

    dictionary = Path(opencc.__file__).parent / "clib" / "share" / "opencc" / "TSCharacters.ocd2"
    config = {
        "name": "TSCharacters",
        "conversion_chain": [{"dict": {"type": "ocd2", "file": str(dictionary)}}],
    }
    chars = "".join(chr(code) for start, stop in _IDEOGRAPHS for code in range(start, stop))
    with tempfile.TemporaryDirectory(prefix="wirewatch-opencc-") as folder:
        path = Path(folder) / "ts_characters.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        converted = opencc.OpenCC(str(path)).convert(chars)
    if len(converted) != len(chars):
        raise RuntimeError("OpenCC TSCharacters is not one character to one character")
    return {old: new for old, new in zip(chars, converted, strict=True) if old != new}


def _closed(pairs: dict[str, str]) -> dict[str, str]:
    """The same mapping with chains followed to their end (薴 -> 苧 -> 苎 becomes 薴 -> 苎)."""
    closed: dict[str, str] = {}
    for old, new in pairs.items():
        seen = {old}
        while new in pairs and new not in seen:
            seen.add(new)
            new = pairs[new]
        closed[old] = new
    return closed


@dataclass(frozen=True, slots=True)
class _Fold:
    """The folding, shaped for speed: ``str.translate`` indexes ``bmp`` (one character per code point below
    U+10000: a string index costs less than a dict lookup) and leaves higher code points to ``astral``;
    ``changes`` finds a BMP character that folds (one fast scan spares the translation of simplified text)."""

    bmp: str
    astral: dict[int, str]
    changes: re.Pattern[str]


@cache
def _fold_table() -> _Fold:
    pairs = _closed(_opencc_ts_characters())
    bmp = "".join(pairs.get(chr(code), chr(code)) for code in range(0x10000))
    astral = {ord(old): new for old, new in pairs.items() if ord(old) >= 0x10000}
    changes = re.compile("[{}]".format("".join(sorted(old for old in pairs if ord(old) < 0x10000))))
    logger.debug("script_fold_table_built characters=%d", len(pairs))
    return _Fold(bmp, astral, changes)


def fold_script(text: str) -> str:
    """``text`` with each traditional Chinese character replaced by its simplified form (same length)."""
    if text.isascii():
        return text
    fold = _fold_table()
    astral = _ASTRAL_HAN.search(text) is not None  # asked before: some BMP characters fold to astral ones
    if fold.changes.search(text) is not None:
        text = text.translate(fold.bmp)  # code points past the table's end are left as they are
    return text.translate(fold.astral) if astral else text
