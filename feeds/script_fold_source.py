"""Where the script fold's table comes from: OpenCC's ``TSCharacters`` dictionary, one character at a time.

    .venv/bin/python -m feeds.script_fold_source > feeds/data/ts_characters.tsv

Every ideograph is converted on its own by the ``opencc`` package (the maintained binding of BYVoid/OpenCC)
with a configuration holding that dictionary only (no phrase tables), keeping OpenCC's first candidate; chains
are followed to their end so that folding twice is folding once. The output is shipped as
``feeds/data/ts_characters.tsv`` (read by ``feeds.script_fold``); a test checks it equals what the installed
OpenCC gives.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

IDEOGRAPHS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x31350))


def opencc_ts_characters() -> dict[str, str]:
    """OpenCC's TSCharacters: traditional character -> its first simplified candidate (changed ones only)."""
    import opencc  # a test and maintenance dependency: the running code reads the shipped table

    dictionary = Path(opencc.__file__).parent / "clib" / "share" / "opencc" / "TSCharacters.ocd2"
    config = {
        "name": "TSCharacters",
        "conversion_chain": [{"dict": {"type": "ocd2", "file": str(dictionary)}}],
    }
    chars = "".join(chr(code) for start, stop in IDEOGRAPHS for code in range(start, stop))
    with tempfile.TemporaryDirectory(prefix="wirewatch-opencc-") as folder:
        path = Path(folder) / "ts_characters.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        converted = opencc.OpenCC(str(path)).convert(chars)
    if len(converted) != len(chars):
        raise RuntimeError("OpenCC TSCharacters is not one character to one character")
    return {old: new for old, new in zip(chars, converted, strict=True) if old != new}


def closed(pairs: dict[str, str]) -> dict[str, str]:
    """The same mapping with chains followed to their end (薴 -> 苧 -> 苎 becomes 薴 -> 苎)."""
    result: dict[str, str] = {}
    for old, new in pairs.items():
        seen = {old}
        while new in pairs and new not in seen:
            seen.add(new)
            new = pairs[new]
        result[old] = new
    return result


def table_text() -> str:
    """The shipped file's text: a comment line naming the source, then ``old<TAB>new`` lines."""
    import opencc

    lines = [f"# OpenCC {opencc.__version__} TSCharacters (Apache-2.0), first candidate, chains closed"]
    lines.extend(f"{old}\t{new}" for old, new in sorted(closed(opencc_ts_characters()).items()))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table_text())
