"""Language resolution, /lang arguments, the Translator (plurals, dates) and how catalogs are loaded."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.chat.i18n import DOMAIN, LOCALE_DIR, LOCALES, load_catalog, translator
from bot.chat.language import from_telegram, parse_language_argument, resolve_language
from bot.chat.replies import COMMANDS, command_menus, help_text

AT = datetime(2024, 11, 28, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("zh", "zh-Hans"),
        ("zh-cn", "zh-Hans"),
        ("zh-hans", "zh-Hans"),
        ("zh-sg", "zh-Hans"),
        ("ZH_CN", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
        ("zh-tw", "zh-Hant"),
        ("zh-hk", "zh-Hant"),
        ("zh-hant", "zh-Hant"),
        ("zh-mo", "zh-Hant"),
        ("ZH_TW", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),
        ("zh-hans-hk", "zh-Hans"),  # the script decides, not the region
        ("en", "en"),
        ("en-GB", "en"),
        ("de", None),
        ("ru", None),
        ("", None),
        (None, None),
    ],
    ids=lambda v: repr(v),
)
def test_telegram_language_codes(code: str | None, language: str | None) -> None:
    assert from_telegram(code) == language


@pytest.mark.parametrize(
    ("chat", "sender", "default", "expected"),
    [
        pytest.param("zh-Hant", "en", "en", "zh-Hant", id="chat-choice-wins"),
        pytest.param(None, "zh-hk", "en", "zh-Hant", id="sender-language-next"),
        pytest.param(None, "de", "zh-Hans", "zh-Hans", id="unknown-sender-gets-default"),
        pytest.param(None, None, "en", "en", id="nothing-known"),
        pytest.param("klingon", "zh", "en", "zh-Hans", id="bad-stored-value-ignored"),
        pytest.param(None, None, "klingon", "en", id="bad-default-falls-back-to-english"),
    ],
)
def test_resolution_order(chat: str | None, sender: str | None, default: str, expected: str) -> None:
    assert resolve_language(chat, sender, default) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("zh-hans", "zh-Hans"),
        (" ZH-HANS ", "zh-Hans"),
        ("zh_hant", "zh-Hant"),
        ("Zh-Hant", "zh-Hant"),
        ("zh", None),
        ("chinese", None),
        ("", None),
    ],
)
def test_lang_argument(text: str, language: str | None) -> None:
    assert parse_language_argument(text) == language


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Nov 28, 14:05"), ("zh-Hans", "11月28日 14:05"), ("zh-Hant", "11月28日 14:05")],
)
def test_dates_in_the_locale(language: str, expected: str) -> None:
    assert translator(language).format_datetime(AT) == expected


def test_dates_in_another_zone() -> None:
    shanghai = timezone(timedelta(hours=8))
    assert translator("zh-Hans").format_datetime(AT + timedelta(hours=12), shanghai) == "11月29日 10:05"


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("en", 1, "1 new alert"),
        ("en", 2, "2 new alerts"),
        ("zh-Hans", 1, "1 条新提醒"),
        ("zh-Hans", 7, "7 条新提醒"),
        ("zh-Hant", 7, "7 則新提醒"),
    ],
)
def test_plural_forms(language: str, n: int, expected: str) -> None:
    assert (
        translator(language).ngettext("%(count)s new alert", "%(count)s new alerts", n, count=n) == expected
    )


def test_unknown_language_is_english() -> None:
    assert translator("xx").language == "en"


@pytest.mark.parametrize(
    ("language", "examples"),
    [
        (
            "zh-Hans",
            ["<b>查询语法</b>", "<code>滨州 山东</code>", "<code>山东 OR 魏桥</code>", '"魏桥创业集团"'],
        ),
        (
            "zh-Hant",
            ["<b>查詢語法</b>", "<code>濱州 山東</code>", "<code>山東 OR 魏橋</code>", '"魏橋創業集團"'],
        ),
        ("en", ["<b>Queries</b>", "<code>Binzhou Shandong</code>"]),
    ],
)
def test_help_explains_the_query_language_with_local_examples(language: str, examples: list[str]) -> None:
    text = help_text(is_admin=False, t=translator(language))
    assert all(example in text for example in examples)
    assert all(f"/{name} — " in text for name, _ in COMMANDS)  # command names stay ASCII


def test_command_menus_per_telegram_language() -> None:
    menus = command_menus("zh-Hant")
    assert set(menus) == {"", "en", "zh"}
    assert [name for name, _ in menus["zh"]] == [name for name, _ in COMMANDS] == [n for n, _ in menus["en"]]
    assert dict(menus["en"])["subscribe"].startswith("Alert me")
    assert dict(menus["zh"])["list"] == "查看本聊天的订阅"
    assert dict(menus[""])["list"] == "查看本聊天的訂閱"  # everyone else gets the configured default
    for menu in menus.values():
        assert all(name.isascii() and name.islower() and 1 <= len(desc) <= 256 for name, desc in menu)


def _copy_catalog(tmp_path: Path, locale: str) -> Path:
    folder = tmp_path / locale / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po", folder)
    return folder


def test_po_is_read_when_no_mo_was_compiled(tmp_path: Path) -> None:
    _copy_catalog(tmp_path, "zh_Hans")
    assert load_catalog("zh_Hans", tmp_path).gettext("No subscriptions yet.") == "还没有订阅。"


def test_a_stale_mo_is_ignored_and_a_fresh_one_used(tmp_path: Path) -> None:
    folder = _copy_catalog(tmp_path, "zh_Hans")
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    other = Catalog(locale="zh_Hans", domain=DOMAIN)
    other.add("No subscriptions yet.", "来自 mo")
    with (folder / f"{DOMAIN}.mo").open("wb") as fp:
        write_mo(fp, other)
    po_time = (folder / f"{DOMAIN}.po").stat().st_mtime
    os.utime(folder / f"{DOMAIN}.mo", (po_time - 60, po_time - 60))
    assert load_catalog("zh_Hans", tmp_path).gettext("No subscriptions yet.") == "还没有订阅。"
    os.utime(folder / f"{DOMAIN}.mo", (po_time + 60, po_time + 60))
    assert load_catalog("zh_Hans", tmp_path).gettext("No subscriptions yet.") == "来自 mo"


def test_missing_catalog_falls_back_to_the_msgids(tmp_path: Path) -> None:
    assert load_catalog("zh_Hans", tmp_path).gettext("No subscriptions yet.") == "No subscriptions yet."


def test_every_shipped_language_has_a_catalog() -> None:
    for locale in LOCALES.values():
        assert (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
