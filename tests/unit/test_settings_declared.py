"""Each key is declared once (default, range, help) and the fetch defaults are the fetch module's own."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from bot.entry.runtime import fetch_limits
from bot.settings import SECTIONS, ConfigError, PollingSettings, Settings, load_settings
from feeds.fetch import FetchLimits
from tests.unit.test_settings import write

SECTION_KEYS = [(section, key) for section, (_cls, keys) in SECTIONS.items() for key in keys]


@pytest.mark.parametrize(("section", "key"), SECTION_KEYS, ids=[f"{s}.{k}" for s, k in SECTION_KEYS])
def test_every_key_declares_its_default_parser_and_help(section: str, key: str) -> None:
    cls, keys = SECTIONS[section]
    declared = keys[key]
    assert declared.help.strip(), f"{section}.{key} has no help"
    assert getattr(cls(), declared.field) == declared.default
    with pytest.raises(ConfigError, match=rf"^{section}\.{key}: "):  # its parser names the key
        declared.parse(object(), f"{section}.{key}")


def test_every_field_of_a_section_is_a_key() -> None:
    for cls, keys in SECTIONS.values():
        assert {f.name for f in fields(cls)} == {key.field for key in keys.values()}, cls


def test_fetch_defaults_are_the_fetch_modules_own() -> None:
    assert fetch_limits(Settings()) == FetchLimits()


def test_an_old_config_with_polling_tick_still_loads(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[polling]\ntick = "15s"\ninterval = "5m"\n'), env={})
    assert settings.polling == PollingSettings(tick_seconds=15, interval_seconds=300)


def test_polling_tick_keeps_its_range(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^polling\.tick: "):
        load_settings(write(tmp_path, '[polling]\ntick = "2h"\n'), env={})
