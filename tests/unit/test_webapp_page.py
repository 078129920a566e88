"""The Mini App's page as shipped: light, no inline script or style, every word from the catalogs."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from bot.chat.i18n import LANGUAGES, translator
from bot.settings import ConfigError, parse_settings_document
from bot.web.strings import PAGE_STRINGS, page_strings

STATIC = files("bot.web").joinpath("static")
HTML = STATIC.joinpath("index.html").read_text(encoding="utf-8")
JS = STATIC.joinpath("app.js").read_text(encoding="utf-8")
PAGE_LIMIT = 150 * 1024


def test_the_page_weighs_at_most_150_kb() -> None:
    weight = sum(len(STATIC.joinpath(n).read_bytes()) for n in ("index.html", "app.css", "app.js"))
    assert weight <= PAGE_LIMIT


def test_no_inline_script_style_or_handler() -> None:
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", HTML, re.DOTALL)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert {src for src in re.findall(r'<script src="([^"]+)"', HTML)} == {
        "https://telegram.org/js/telegram-web-app.js",
        "app.js",
    }
    assert not re.search(r"\son[a-z]+=|\sstyle=|<style", HTML)
    assert "innerHTML" not in JS and "eval(" not in JS and "document.write" not in JS


def test_the_html_holds_no_words_of_its_own() -> None:
    """Every visible word comes from the catalogs (``data-text``); only the title and examples are fixed."""
    text = re.sub(r"<(script|title)[^>]*>.*?</\1>|<[^>]+>", " ", HTML, flags=re.DOTALL)
    assert text.split() == []


def test_every_key_the_page_uses_is_a_catalog_string() -> None:
    used = set(re.findall(r'data-(?:text|placeholder)="([a-z_]+)"', HTML))
    used |= set(re.findall(r'say\("([a-z_]+)"', JS))
    assert used and used <= set(PAGE_STRINGS), used - set(PAGE_STRINGS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_string_is_translated(language: str) -> None:
    strings = page_strings(translator(language))
    assert set(strings) == set(PAGE_STRINGS)
    if language != "en":
        untranslated = [k for k, v in strings.items() if v == PAGE_STRINGS[k] and k != "title"]
        assert untranslated == []


def test_webapp_settings_absent_and_set() -> None:
    assert parse_settings_document({}).webapp.url is None
    webapp = parse_settings_document(
        {"webapp": {"url": "https://wire.example.com/app/", "listen": "127.0.0.1:9000", "max_age": "1h"}}
    ).webapp
    assert (webapp.url, webapp.listen, webapp.max_age_seconds) == (
        "https://wire.example.com/app/",
        ("127.0.0.1", 9000),
        3600,
    )
    with pytest.raises(ConfigError, match=r"webapp\.max_age"):
        parse_settings_document({"webapp": {"max_age": "10s"}})
