"""Hostile text: controls, bidi and invisible characters leave feed text, links, queries and echoes."""

from __future__ import annotations

import sys
import unicodedata
from datetime import UTC, datetime

import pytest

from bot.chat.replies import echo
from feeds.invisible import VISIBLE_FORMAT, first_control, strip_hidden
from feeds.models import ParsedEntry
from feeds.normalize import normalize_entry
from feeds.query import Document, QueryError, normalize_text, parse_query
from feeds.text import clean_inline, html_to_text

WOMAN_TECHNOLOGIST = "\U0001f469\u200d\U0001f4bb"
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"

STRIP_CASES = [
    ("nul", "A\x00B", "AB"),
    ("c0 controls", "A\x01\x07\x08\x0e\x1bB", "AB"),
    ("delete and c1", "A\x7f\x80\x9b\x9fB", "AB"),
    ("whitespace controls kept", "A\tB\nC\rD\x0bE\x0cF\x85G", "A\tB\nC\rD\x0bE\x0cF\x85G"),
    ("bidi embeddings and overrides", "a\u202ab\u202bc\u202cd\u202de\u202ef", "abcdef"),
    ("bidi isolates", "a\u2066b\u2067c\u2068d\u2069e", "abcde"),
    ("bidi marks", "a\u200eb\u200fc\u061cd", "abcd"),
    ("zero width space and non-joiner", "Bin\u200bzhou\u200c", "Binzhou"),
    ("word joiner, bom, soft hyphen", "\ufeffa\u2060b\u00adc", "abc"),
    ("joiner between letters", "plant\u200dopens", "plantopens"),
    ("joiner inside emoji kept", f"dev {WOMAN_TECHNOLOGIST} day", f"dev {WOMAN_TECHNOLOGIST} day"),
    ("joiner after variation selector kept", RAINBOW_FLAG, RAINBOW_FLAG),
    ("subdivision flag kept", f"go {ENGLAND}!", f"go {ENGLAND}!"),
    ("smuggled tag text dropped", "hi\U000e0041\U000e0042\U000e0043 there", "hi there"),
    ("variation selector kept", "\u2764\ufe0f", "\u2764\ufe0f"),
    ("cjk untouched", "滨州市魏桥创业集团", "滨州市魏桥创业集团"),
    ("arabic number sign kept", "\u0600١٢٣", "\u0600١٢٣"),
    ("lone surrogate", "a\ud800b", "ab"),
    ("ascii untouched", "plain text, no tricks", "plain text, no tricks"),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in STRIP_CASES], ids=[c[0] for c in STRIP_CASES])
def test_strip_hidden(raw: str, expected: str) -> None:
    assert strip_hidden(raw) == expected


def test_every_invisible_format_character_is_stripped() -> None:
    """Every Cf character of this Python's Unicode goes, except the listed visible marks."""
    kept = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Cf" and strip_hidden(f"a{char}b") != "ab":
            kept.append(f"U+{code:04X}")
    visible = [f"U+{c:04X}" for c in range(sys.maxunicode + 1) if VISIBLE_FORMAT.match(chr(c))]
    assert kept == [c for c in visible if unicodedata.category(chr(int(c[2:], 16))) == "Cf"]


@pytest.mark.parametrize("code", [c for c in range(0xA0) if unicodedata.category(chr(c)) == "Cc"])
def test_no_control_character_survives_cleaning(code: int) -> None:
    char = chr(code)
    assert clean_inline(f"a{char}b") in ("ab", "a b")
    assert html_to_text(f"<p>a{char}b</p>") in ("ab", "a b", "a\nb")


TEXT_CASES = [
    ("nul in title", clean_inline, "Acme\x00 wins", "Acme wins"),
    ("nul entity becomes replacement", clean_inline, "Acme&#0; wins", "Acme\ufffd wins"),
    ("bidi override in title", clean_inline, "Pay \u202eusd\u202c now", "Pay usd now"),
    ("bidi in body", html_to_text, "<p>a\u2067b</p><p>c\x07</p>", "ab\nc"),
]


@pytest.mark.parametrize(
    ("clean", "raw", "expected"), [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES]
)
def test_feed_text_is_cleaned(clean: object, raw: str, expected: str) -> None:
    assert callable(clean)
    assert clean(raw) == expected


def test_entry_with_hostile_fields_normalizes_to_clean_values() -> None:
    entry = ParsedEntry(
        guid="id-\x00-1",
        link="https://good.example@evil.example/a\u202e",
        title="Acme\x00 \u2066wins\u2069",
        content_html="<p>Body\x00 text\u200b.</p>",
        published=None,
    )
    item = normalize_entry(entry, "https://wire.example/feed", datetime(2026, 1, 27, tzinfo=UTC))
    assert (item.identity, item.link, item.title, item.body) == (
        "guid:id--1",
        "https://evil.example/a",
        "Acme wins",
        "Body text.",
    )


@pytest.mark.parametrize(
    "typed",
    ["Bin\u200bzhou", "Bin\u2060zhou", "\u202eBinzhou\u202c", "Bin\u00adzhou", "\ufeffBinzhou"],
    ids=["zero width space", "word joiner", "bidi override", "soft hyphen", "bom"],
)
def test_query_with_invisible_characters_matches_like_feed_text(typed: str) -> None:
    query = parse_query(typed)
    assert query.text == "Binzhou"
    assert query.matches(Document.from_parts("Binzhou plant opens", "", "wire"))
    assert query.matches(Document.from_parts(typed, "", "wire"))  # documents fold them away alike
    assert normalize_text(typed) == "binzhou"


@pytest.mark.parametrize(
    ("typed", "position"),
    [("a\x00b", 2), ("\x00", 1), ("Binzhou \x1b[31m", 9), ("x \x85\x9b", 4)],
    ids=["nul", "only nul", "escape sequence", "c1 control"],
)
def test_query_with_control_character_is_refused(typed: str, position: int) -> None:
    with pytest.raises(QueryError, match="control character") as err:
        parse_query(typed)
    assert err.value.position == position


def test_first_control_ignores_whitespace() -> None:
    assert first_control("a\tb\nc") is None
    assert first_control("a\tb\x00") == 3


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("a\x00b", "ab"),
        ("<b>\u2066x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        (f"ok {WOMAN_TECHNOLOGIST}", f"ok {WOMAN_TECHNOLOGIST}"),
    ],
    ids=["bidi override", "nul", "isolate inside html", "emoji kept"],
)
def test_echo_strips_hidden_characters(typed: str, expected: str) -> None:
    assert echo(typed) == expected
