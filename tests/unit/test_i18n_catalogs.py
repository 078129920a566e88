"""The catalogs: complete, consistent with the code and with each other, and every message fits Telegram."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.chat.i18n import DOMAIN, LOCALE_DIR, LOCALES, translator
from bot.chat.render import MAX_MESSAGE, visible_length
from tests.cjk_text import ascii_punctuation_next_to_han

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
ANY_PERCENT = re.compile(r"%(\(\w+\))?.")
TAG = re.compile(r"</?([a-z]+)[^>]*>")
# The longest realistic value of every placeholder, as the code passes it (escaped HTML where it is).
# A new placeholder must be added here, or the rendering test fails.
LONGEST: dict[str, object] = {
    "alias": "a" * 120,  # echo(alias): a name's other script, at most ECHO_LIMIT
    "average": "99999.9",
    "change": "+99999%",
    "command": "c" * 40,  # echo(command, 40)
    "count": 99_999,
    "day": "Wed, Sep 30",
    "days": 365,
    "error": "&lt;" * 120,  # 120 characters, escaped
    "feed": "&amp;" * 60,  # feed name cut to 60, escaped
    "feeds": ", ".join(["A very long wire name indeed"] * 40),  # cut by the alert renderer when too long
    "health": "failing",
    "id": 9_223_372_036_854_775_807,
    "language": "l" * 20,
    "letter": "A",  # echo(args, 20) or a native language name
    "limit": 50,
    "provider": "LibreTranslate",  # the translator credited under a translation
    "meaning": "all of: " + ", ".join(['"term"'] * 120),
    "next_poll": "in 59 minutes",
    "part": 9999,  # a page number, or a query part as <code>echo(part, 60)</code>
    "previous": 99_999,
    "parts": 9999,
    "queries": ", ".join(["<code>" + "&quot;" * 60 + "</code>"] * 4),  # /trend: four echo(q, 60)
    # query refusals: user text is escaped by query_error_text (up to MAX_LENGTH = 512 characters)
    "operator": "NOT",
    "position": 512,
    "length": 99_999,
    "terms": 512,
    "depth": 9,
    "minimum": 3,
    "word": "&amp;" * 512,
    "field": "&amp;" * 511 + ":",
    "term": '"' + "&amp;" * 510 + '"',
    # how a query was understood (parts nest, but a query has at most 32 terms of at most 512 characters)
    "name": "n" * 512,
    # terminal and digest lines
    "digests": 99_999,
    "database": "postgresql+psycopg://wirewatch:***@db.example.com:5432/wirewatch",
    "status": "not_modified",
    "items": 99_999,
    "queued": 99_999,
    "sent": 99_999,
    "time": "23:59",
    "published": "12月31日 23:59 UTC-03:00",
    "seen": "12月31日 23:59 UTC-03:00",
    "zone": "America/Argentina/ComodRivadavia",
    "query": "&quot;" * 120,  # echo() keeps 120 characters
    "seconds": 3600,
    "reason": "unexpected token at position 4096: " + "x" * 200,
    "success": "2 months ago",
    "when": "2 months ago",
    "added": 1000,  # import report counts
    "present": 1000,
    "refused": 1000,
    "interval": "30 days",
    "newest": "Nov 28, 14:05 America/Argentina/ComodRivadavia",
    "origin": "imported from OPML",
    "title": "&quot;" * 120,  # echo() keeps 120 characters
    "url": "&amp;" * 120,  # echo() keeps 120 characters
    # volume control and alert buttons
    "context": "…" + "x" * 40 + "<b>" + "y" * 60 + "</b>" + "x" * 40 + "…",  # why.snippet
    "end": "Nov 28, 14:05",
    "example": "22:00-07:00",
    "ids": ", ".join(["#9223372036854775807"] * 50),
    "next": "Nov 28, 14:05",
    "now": "Nov 28, 14:05",
    "place": "America/Los_Angeles",
    "text": "&lt;" * 40,  # echo(value, 40)
    "times": ",".join(["08:00"] * 6),
    "until": "Nov 28, 14:05",
    "where": "/recent " + "q" * 1000,  # cut to a quarter message by the digest renderer
    "window": "22:00-07:00",
    "zones": "Europe/Berlin / Europe/Busingen / Europe/Brussels",
}


def _catalog(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fp:
        return read_po(fp, locale=locale, domain=DOMAIN)


def _entries(locale: str) -> list[Message]:
    return [m for m in _catalog(locale) if m.id]


def _ids(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def _strings(message: Message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def _code_msgids() -> set[str]:
    found = extract_from_dir(
        str(ROOT / "bot"),
        method_map=[("**.py", "python")],
        keywords={"N_": None, "gettext": None, "ngettext": (1, 2)},
    )
    return {ids if isinstance(ids, str) else ids[0] for _, _, ids, _, _ in found}


def test_code_and_catalogs_have_the_same_msgids() -> None:
    in_code = _code_msgids()
    assert len(in_code) > 40
    for locale in LOCALES.values():
        in_catalog = {_ids(m)[0] for m in _entries(locale)}
        assert in_code - in_catalog == set(), f"{locale}: missing, run make i18n-update"
        assert in_catalog - in_code == set(), f"{locale}: obsolete, run make i18n-update"


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_no_entry_is_fuzzy_or_empty_and_plurals_are_complete(locale: str) -> None:
    catalog = _catalog(locale)
    for message in _entries(locale):
        assert not message.fuzzy, (locale, message.id)
        strings = _strings(message)
        assert all(s.strip() for s in strings), (locale, message.id)
        if message.pluralizable:
            assert len(strings) == catalog.num_plurals, (locale, message.id)


def test_english_catalog_repeats_the_msgids() -> None:
    for message in _entries("en"):
        assert _strings(message) == _ids(message)


@pytest.mark.parametrize("locale", sorted(LOCALES.values()))
def test_placeholders_and_markup_are_identical(locale: str) -> None:
    for message in _entries(locale):
        wanted = Counter(PLACEHOLDER.findall(_ids(message)[0]))
        for text in (*_ids(message), *_strings(message)):
            assert Counter(PLACEHOLDER.findall(text)) == wanted, (locale, text)
            assert Counter(TAG.findall(text)) == Counter(TAG.findall(_ids(message)[0])), (locale, text)


def test_only_named_placeholders() -> None:
    for message in _entries("en"):
        for text in _ids(message):
            for match in ANY_PERCENT.finditer(text):
                assert match.group(0) == "%%" or PLACEHOLDER.fullmatch(match.group(0)), (text, match)
            assert "{" not in text, f"named %(x)s placeholders only: {text!r}"


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_every_message_renders_within_telegram_limits(language: str) -> None:
    t = translator(language)
    for message in _entries("en"):
        singular, *plural = _ids(message)
        values = {name: LONGEST[name] for name in PLACEHOLDER.findall(singular)}
        for n in (1, 2, 99_999):
            text = t.ngettext(singular, plural[0], n, **values) if plural else t.gettext(singular, **values)
            assert "%(" not in text
            assert visible_length(text) <= MAX_MESSAGE, (language, singular)


def _marker_calls(tree: ast.AST) -> list[ast.Call]:
    def name(call: ast.Call) -> str:
        func = call.func
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")

    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and name(n) in ("gettext", "ngettext", "N_")]


def test_msgids_are_literal_strings_not_f_strings() -> None:
    checked = 0
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for call in _marker_calls(ast.parse(path.read_text(encoding="utf-8"))):
            literal_args = call.args[:2] if getattr(call.func, "attr", "") == "ngettext" else call.args[:1]
            for arg in literal_args:
                name_ok = isinstance(arg, ast.Name | ast.Subscript)  # a constant marked with N_ elsewhere
                assert name_ok or (isinstance(arg, ast.Constant) and isinstance(arg.value, str)), (
                    f"{path.relative_to(ROOT)}:{call.lineno}: msgids must be string literals"
                )
                checked += 1
    assert checked > 40


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_chinese_catalogs_use_full_width_punctuation(locale: str) -> None:
    """，；（） in Chinese sentences, never ASCII ``,;()`` beside a Han character (``<code>`` excepted)."""
    found = {
        text: mistakes
        for message in _entries(locale)
        for text in _strings(message)
        if (mistakes := ascii_punctuation_next_to_han(text))
    }
    assert found == {}


@pytest.mark.parametrize(
    ("text", "mistakes"),
    [
        ("1 則報導, 前 30 天沒有", 1),
        ("解讀為：「shandong」; 都不包含", 1),
        ("3 則報導 (去掉 aluminium)", 1),
        ("3 則報導（去掉 aluminium）", 0),
        ("%(count)s 則報導，<code>a, b (c)</code>", 0),
        ("Globe Wire (sample)：正常", 0),
    ],
    ids=["comma", "semicolon", "parenthesis", "full-width", "code-and-placeholder", "latin-name"],
)
def test_the_typography_check_finds_ascii_punctuation_beside_han(text: str, mistakes: int) -> None:
    assert len(ascii_punctuation_next_to_han(text)) == mistakes
