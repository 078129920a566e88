"""Catalog upkeep for ``make i18n-update``: the English catalog repeats every msgid as its translation.

Run as ``python -m bot.chat.catalogs fill-english``. Other languages are translated by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from bot.chat.i18n import DOMAIN, LOCALE_DIR


def fill_english(locale_dir: Path = LOCALE_DIR) -> int:
    """Set every empty English msgstr to its msgid (singular and plural); returns how many were filled."""
    path = locale_dir / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale="en", domain=DOMAIN)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        wanted: str | tuple[str, ...] = message.id if isinstance(message.id, str) else tuple(message.id)
        if message.string != wanted or message.fuzzy:
            message.string = wanted
            message.flags.discard("fuzzy")
            filled += 1
    with path.open("wb") as fp:
        write_po(fp, catalog)  # the same layout as pybabel update
    return filled


def main(argv: list[str]) -> int:
    """``fill-english``: see the module docstring."""
    if argv != ["fill-english"]:
        print("usage: python -m bot.chat.catalogs fill-english", file=sys.stderr)
        return 2
    print(f"en: {fill_english()} msgstr filled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
