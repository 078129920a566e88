"""An item's language: the feed's declared one (``<language>``, ``xml:lang``), else told by its script.

Tags are short BCP 47 ones: ``en``, ``de``, ``zh-Hans``, ``zh-Hant``, ``zh`` (Chinese, script unknown),
``ja``, ``ko``. Detection only tells scripts apart (Han, Kana, Hangul, Latin, Cyrillic), which is enough
to decide whether a chat in English or Chinese can read an item; Latin text is taken to be English.
"""

from __future__ import annotations

import re
import unicodedata

DETECT_CHARS = 2000  # how much of the text detection looks at
_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo", "hant"})
_SIMPLIFIED_REGIONS = frozenset({"cn", "sg", "my", "hans"})
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_SCRIPT_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("HANGUL", "ko"),
    ("CJK", "zh"),
    ("CYRILLIC", "ru"),
    ("ARABIC", "ar"),
    ("LATIN", "en"),
)


def declared_language(raw: str | None) -> str | None:
    """A feed's declared language as our tag: ``en-US`` -> ``en``, ``zh-TW`` -> ``zh-Hant``; None when
    absent or not a language tag."""
    if not raw or not _TAG.match(raw.strip()):
        return None
    primary, *rest = raw.strip().lower().replace("_", "-").split("-")
    if primary != "zh":
        return primary
    if _TRADITIONAL_REGIONS.intersection(rest):
        return "zh-Hant"
    if _SIMPLIFIED_REGIONS.intersection(rest):
        return "zh-Hans"
    return "zh"


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return next((language for script, language in _SCRIPT_LANGUAGES if name.startswith(script)), None)


class _Scripts(dict[int, str]):
    """A ``str.translate`` table: a letter's code point to its language's one-character code (``_CODES``),
    anything else deleted; each character's entry is computed on first use."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        language = _script(char) if char.isalpha() else None
        self[code] = found = "" if language is None else _CODES[language]
        return found


_CODES = {language: chr(0x41 + index) for index, (_, language) in enumerate(_SCRIPT_LANGUAGES)}
_LANGUAGES = {code: language for language, code in _CODES.items()}
_SCRIPTS = _Scripts()
_NOT_ASCII_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
_NON_ASCII = re.compile("[^\x00-\x7f]+")


def detected_language(text: str) -> str | None:
    """The language the text's letters are mostly written in (by script); None without letters.

    Kana decides Japanese even among many Han characters; Han over a fifth of the letters is Chinese (a
    Chinese release quotes English names, an English one rarely has Han). Runs for every item of a feed that
    declares no language: ASCII letters (all Latin) are counted at C speed, the other characters through a
    table of their scripts; a tie between the most frequent scripts goes to the first seen."""
    sample = text[:DETECT_CHARS]
    latin = len(sample.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTERS))
    if sample.isascii():
        return "en" if latin else None
    coded = "".join(_NON_ASCII.findall(sample)).translate(_SCRIPTS)
    counts = {language: coded.count(code) for code, language in _LANGUAGES.items() if code in coded}
    counts["en"] = counts.get("en", 0) + latin
    letters = sum(counts.values())
    if not letters:
        return None
    if counts.get("ja", 0) * 10 >= letters:
        return "ja"
    for language in ("ko", "zh"):
        if counts.get(language, 0) * 5 >= letters:
            return language
    most = max(counts.values())
    leaders = [language for language, count in counts.items() if count == most]
    return leaders[0] if len(leaders) == 1 else _first_seen(sample, leaders)


def _first_seen(sample: str, languages: list[str]) -> str:
    """Of these languages, the one whose letter comes first in ``sample``."""
    coded = sample.translate(_SCRIPTS)
    wanted = {_CODES[language] for language in languages}
    return _LANGUAGES[next(code for code in coded if code in wanted)]


def item_language(declared: str | None, title: str, body: str) -> str | None:
    """The declared language when the feed gives one, else the one detected from title and body."""
    return declared_language(declared) or detected_language(f"{title}\n{body}")


def same_language(a: str | None, b: str | None) -> bool:
    """Whether a reader of ``b`` reads ``a`` without translation: same primary language (both scripts of
    Chinese count as one); an unknown language counts as the reader's."""
    if a is None or b is None:
        return True
    return a.split("-")[0].lower() == b.split("-")[0].lower()
