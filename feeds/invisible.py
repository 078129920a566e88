"""Hostile and invisible characters: what every text loses before it is stored, matched or shown.

Removed: C0 and C1 control characters (NUL included) other than the whitespace ones the text model turns
into spaces or line breaks (tab, LF, VT, FF, CR, the separators U+001C-U+001F, NEL); lone surrogates (not
encodable as UTF-8); and the invisible format characters (Unicode category Cf): bidirectional controls
(U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C), zero-width space and non-joiner, word joiner and
invisible operators, BOM, soft hyphen, interlinear annotation, shorthand and musical format controls, tags.

Kept: the zero-width joiner between emoji (👩‍💻), tag characters right after the black flag (subdivision flags
such as 🏴 England), variation selectors (not Cf), and the Cf marks that are visible or structural in their
scripts (``VISIBLE_FORMAT``: Arabic and Syriac number signs, Egyptian hieroglyph format controls).
"""

from __future__ import annotations

import re
import unicodedata

ZWJ = "\u200d"
BLACK_FLAG = "\U0001f3f4"
_CONTROLS = "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
_FORMAT = (
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f"
)
_SURROGATES = "\ud800-\udfff"
_HIDDEN = re.compile(f"[{_CONTROLS}{_FORMAT}{_SURROGATES}]+")
_CONTROL = re.compile(f"[{_CONTROLS}]")
_UNSTORABLE = re.compile(f"[{_CONTROLS}{_SURROGATES}]+")
_ASCII_CONTROLS = bytes([*range(0x09), *range(0x0E, 0x1C), 0x7F])
_TAGS = re.compile("[\U000e0020-\U000e007f]+")
_EMOJI_BEFORE = re.compile("[\u2190-\u2bff\ufe0f\U0001f000-\U0001faff]")
_EMOJI_AFTER = re.compile("[\u2190-\u2bff\U0001f000-\U0001faff]")
VISIBLE_FORMAT = re.compile(
    "[\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd\U00013430-\U0001343f]"
)
"""Format characters (Cf) that are kept: they show, or shape the script they belong to."""


def _replace(match: re.Match[str]) -> str:
    """What a run of hidden characters leaves: nothing, unless it joins emoji or spells a flag's tags."""
    run, text, start = match.group(), match.string, match.start()
    before = text[start - 1] if start else ""
    if run == ZWJ:
        after = text[match.end() : match.end() + 1]
        return run if _EMOJI_BEFORE.match(before) and _EMOJI_AFTER.match(after) else ""
    if before == BLACK_FLAG and (tags := _TAGS.match(run)):
        return tags.group()
    return ""


def strip_hidden(text: str) -> str:
    """``text`` without control, surrogate and invisible format characters (see the module docstring)."""
    if text.isascii():
        raw = text.encode("ascii")
        kept = raw.translate(None, _ASCII_CONTROLS)
        return text if len(kept) == len(raw) else kept.decode("ascii")
    return _HIDDEN.sub(_replace, text)


def strip_controls(text: str) -> str:
    """``text`` without the control and surrogate characters only (for identifiers such as guids)."""
    return _UNSTORABLE.sub("", text) if not text.isascii() or _CONTROL.search(text) else text


def first_control(text: str) -> int | None:
    """The index of the first control character that ``strip_hidden`` removes, or None."""
    found = _CONTROL.search(text)
    return found.start() if found else None


def is_invisible_format(char: str) -> bool:
    """Whether one character is an invisible format character (Cf outside ``VISIBLE_FORMAT``)."""
    return unicodedata.category(char) == "Cf" and VISIBLE_FORMAT.match(char) is None
