"""An item's language: declared by the feed (``<language>``, ``xml:lang``), else told by its script."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.language import DETECT_CHARS, declared_language, detected_language, item_language, same_language
from feeds.pipeline import parse_and_normalize

NOW = datetime(2026, 1, 27, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("en-US", "en"),
        ("EN", "en"),
        ("zh-CN", "zh-Hans"),
        ("zh_TW", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),
        ("zh", "zh"),
        ("de-DE", "de"),
        ("", None),
        (None, None),
        ("not a tag!", None),
    ],
)
def test_declared(raw: str | None, tag: str | None) -> None:
    assert declared_language(raw) == tag


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("BINZHOU, China -- The port opened on Tuesday.", "en"),
        ("山东省滨州市人民政府今天发布了 Binzhou Port Group 的公告。", "zh"),
        ("The Binzhou (滨州) port opened on Tuesday with new cranes.", "en"),
        ("ビンジョウ港が開港した。", "ja"),
        ("빈저우 항구가 열렸다.", "ko"),
        ("12345 -- !!!", None),
    ],
)
def test_detected_by_script(text: str, language: str | None) -> None:
    assert detected_language(text) == language


def test_declared_beats_detected() -> None:
    assert item_language("en", "滨州港", "滨州港开港。") == "en"
    assert item_language(None, "滨州港", "滨州港开港。") == "zh"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("en", "en", True), ("zh-Hant", "zh-Hans", True), ("zh", "en", False), (None, "en", True)],
)
def test_same_language(a: str | None, b: str | None, same: bool) -> None:
    assert same_language(a, b) is same


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><language>zh-CN</language>
<item><guid>1</guid><title>Binzhou port</title><description>The port opened.</description></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de"><title>W</title>
<id>urn:w</id><updated>2026-01-01T00:00:00Z</updated>
<entry xml:lang="en"><id>urn:1</id><title>Port opens</title><updated>2026-01-01T00:00:00Z</updated>
<content>The port opened.</content></entry>
<entry><id>urn:2</id><title>Hafen</title><updated>2026-01-01T00:00:00Z</updated>
<content>Der Hafen.</content></entry>
</feed>"""
UNDECLARED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><guid>1</guid><title>滨州港开港</title><description>滨州港今天开港。</description></item>
</channel></rss>""".encode()


@pytest.mark.parametrize(
    ("body", "languages"),
    [
        pytest.param(RSS, ["zh-Hans"], id="rss-language"),
        pytest.param(ATOM, ["en", "de"], id="atom-xml-lang-entry-then-root"),
        pytest.param(UNDECLARED, ["zh"], id="undeclared-detected"),
    ],
)
def test_language_travels_from_the_feed_to_the_item(body: bytes, languages: list[str]) -> None:
    items = parse_and_normalize(body, {}, "http://127.0.0.1/feed.xml", NOW)
    assert [item.language for item in items] == languages


def _reference_detected(text: str) -> str | None:
    """Detection as first written, a character at a time by the name of its script (the reference)."""
    counts: dict[str, int] = {}
    for char in text[:DETECT_CHARS]:
        name = unicodedata.name(char, "") if char.isalpha() else ""
        language = next((lang for script, lang in SCRIPTS if name.startswith(script)), None)
        if language:
            counts[language] = counts.get(language, 0) + 1
    letters = sum(counts.values())
    if not letters:
        return None
    if counts.get("ja", 0) * 10 >= letters:
        return "ja"
    for language in ("ko", "zh"):
        if counts.get(language, 0) * 5 >= letters:
            return language
    return max(counts, key=lambda language: counts[language])


SCRIPTS = [("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CJK", "zh")]
SCRIPTS += [("CYRILLIC", "ru"), ("ARABIC", "ar"), ("LATIN", "en")]
MIXED = "aZé ß1-\nПрб語滨ひカ한ㄱعب\u00aaⅣ𠀀ǅ"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ab Пр", id="tie-first-seen-latin"),
        pytest.param("Пр ab", id="tie-first-seen-cyrillic"),
        pytest.param("é" * 3000 + "Пр", id="past-the-sample"),
        pytest.param("ª º Ⅳ", id="letters-of-no-script"),
        pytest.param("عربي abc", id="arabic"),
    ],
)
def test_detected_as_the_reference(text: str) -> None:
    assert detected_language(text) == _reference_detected(text)


@settings(max_examples=500, deadline=None)
@given(st.text(MIXED, max_size=60) | st.text(max_size=80))
def test_detected_as_the_reference_on_any_text(text: str) -> None:
    assert detected_language(text) == _reference_detected(text)
