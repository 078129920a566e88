"""``[chat] default_language``: the three tags in any case, English when absent, one clear error otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings
from tests.unit.test_settings import write


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("", "en"),
        ("[chat]\ndefault_language = 'en'\n", "en"),
        ("[chat]\ndefault_language = 'zh-hans'\n", "zh-Hans"),
        ("[chat]\ndefault_language = 'ZH_Hant'\n", "zh-Hant"),
    ],
    ids=["absent", "en", "zh-hans", "zh-hant-any-case"],
)
def test_default_language(tmp_path: Path, text: str, language: str) -> None:
    assert load_settings(write(tmp_path, text), env={}).chat.default_language == language


@pytest.mark.parametrize("value", ["'fr'", "''", "3"], ids=["unknown", "empty", "number"])
def test_bad_default_language_names_the_key(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r'^chat\.default_language: expected "en", "zh-hans" or "zh-hant"'):
        load_settings(write(tmp_path, f"[chat]\ndefault_language = {value}\n"), env={})
