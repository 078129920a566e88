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
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

_IDEOGRAPHS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x31350))
_ASTRAL_HAN = re.compile("[\U00020000-\U0003134f]")


class _TranslateTable(dict[int, int | str]):
    """A ``str.translate`` table that leaves unlisted characters as they are (remembered once looked up)."""

    def __missing__(self, code: int) -> int:
        self[code] = code
        return code


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


@cache
def _fold_table() -> tuple[_TranslateTable, re.Pattern[str]]:
    """The translate table and a pattern finding a character it changes (BMP set; any astral ideograph)."""
    pairs = _closed(_opencc_ts_characters())
    table = _TranslateTable({ord(old): new for old, new in pairs.items()})
    bmp = "".join(sorted(old for old in pairs if ord(old) < 0x10000))
    logger.debug("script_fold.table_built characters=%d", len(pairs))
    return table, re.compile(f"[{bmp}]")


def fold_script(text: str) -> str:
    """``text`` with each traditional Chinese character replaced by its simplified form (same length)."""
    if text.isascii():
        return text
    table, changes = _fold_table()
    if changes.search(text) is None and _ASTRAL_HAN.search(text) is None:
        return text
    return text.translate(table)
