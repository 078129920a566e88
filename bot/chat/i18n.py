"""Translations: one gettext catalog per language (managed with Babel), and locale-aware dates.

Messages are gettext msgids written in English with named ``%(name)s`` placeholders only. Catalogs live
in ``locales/<locale>/LC_MESSAGES/wirewatch.po``; the compiled ``.mo`` beside it is used when it is at
least as new as the ``.po`` (the wheel ships it, ``make`` compiles it), else the ``.po`` is read with
Babel, so a fresh clone and an edited catalog work without a compile step.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.chinese import to_traditional

logger = logging.getLogger(__name__)

DOMAIN = "wirewatch"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
# Wirewatch's language tags (what /lang and the database hold) → Babel/gettext locale names.
LOCALES: dict[str, str] = {"en": "en", "zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant"}
LANGUAGES: tuple[str, ...] = tuple(LOCALES)
TRADITIONAL = "zh-Hant"  # the language written in Traditional Chinese characters
# How each language names itself (for /lang buttons); never translated.
NATIVE_NAMES: dict[str, str] = {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"}

DATE_SKELETON = "MMMd"  # en "Nov 28", zh "11月28日"
TIME_SKELETON = "Hm"  # "14:05" (24-hour in every locale we ship)
# Punctuation the code puts between translated pieces: Chinese writes it full-width (、，；（）).
FULL_WIDTH_SCRIPTS = ("Hans", "Hant")


def N_(message: str) -> str:
    """Mark a module-level msgid for extraction; translate it later with ``Translator.gettext``."""
    return message


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything language-specific for one chat: messages, plurals, dates."""

    language: str
    locale: Locale
    catalog: gettext.NullTranslations

    def gettext(self, message: str, **values: object) -> str:
        """``message`` translated, with ``%(name)s`` placeholders filled from ``values``."""
        return self.catalog.gettext(message) % values

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The plural form for ``n``, translated and filled (``n`` itself is not passed implicitly)."""
        return self.catalog.ngettext(singular, plural, n) % values

    @property
    def full_width(self) -> bool:
        """Whether this language writes punctuation full-width (Chinese)."""
        return self.locale.script in FULL_WIDTH_SCRIPTS or self.locale.language == "zh"

    def join_list(self, items: Iterable[str]) -> str:
        """Items of one list: ``a, b, c`` / ``a、b、c``."""
        return ("、" if self.full_width else ", ").join(items)

    def join_clauses(self, parts: Iterable[str]) -> str:
        """Clauses of one sentence: ``3 stories, peak Nov 28`` / ``3 则报道，高峰 11月28日``."""
        return ("，" if self.full_width else ", ").join(parts)

    def join_sections(self, parts: Iterable[str]) -> str:
        """Weightier parts of one sentence: ``a; b`` / ``a；b``."""
        return ("；" if self.full_width else "; ").join(parts)

    def in_script(self, text: str) -> str:
        """Chinese ``text`` shown as this language writes it: Traditional for zh-Hant (OpenCC ``s2t``, as
        translations get), else as it is. For words the store holds in Simplified, e.g. an alias name."""
        return to_traditional(text) if self.language == TRADITIONAL else text

    def aside(self, text: str) -> str:
        """A parenthetical after a word: `` (text)`` / ``（text）``."""
        return f"（{text}）" if self.full_width else f" ({text})"

    def format_datetime(self, at: datetime, tz: tzinfo = UTC) -> str:
        """Month, day and time in the locale's order: ``Nov 28, 14:05`` / ``11月28日 14:05``."""
        local = at.astimezone(tz)
        date = format_skeleton(DATE_SKELETON, local, locale=self.locale)
        time = format_skeleton(TIME_SKELETON, local, locale=self.locale)
        pattern = str(self.locale.datetime_formats.get("medium", "{1} {0}"))
        return pattern.replace("{1}", date).replace("{0}", time)

    def format_zoned(self, at: datetime, tz: tzinfo = UTC) -> str:
        """``format_datetime`` with the zone it is in: ``Nov 28, 22:05 CST`` / ``11月28日 22:05 CST``."""
        return f"{self.format_datetime(at, tz)} {zone_label(at, tz)}"


def zone_label(at: datetime, tz: tzinfo) -> str:
    """The zone's abbreviation at ``at`` (``CST``, ``CEST``, ``UTC``), else its offset (``+0545``)."""
    local = at.astimezone(tz)
    name = local.tzname()
    if name and name[0] not in "+-":
        return name
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def load_catalog(locale: str, locale_dir: Path = LOCALE_DIR) -> gettext.NullTranslations:
    """The locale's compiled catalog when it is fresh, else its ``.po`` compiled in memory."""
    folder = locale_dir / locale / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.is_file():
        logger.warning("catalog_missing locale=%s dir=%s", locale, locale_dir)
        return gettext.NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile does
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def translator(language: str = DEFAULT_LANGUAGE) -> Translator:
    """The shared ``Translator`` of a language tag from ``LANGUAGES`` (unknown tags get English)."""
    if language not in LOCALES:
        logger.warning("language_unknown language=%s", language)
        language = DEFAULT_LANGUAGE
    locale = LOCALES[language]
    return Translator(language, Locale.parse(locale), load_catalog(locale))
